import { AsyncLocalStorage } from 'node:async_hooks';
import type { Actor } from '@keelson/event-store';
import { ServiceError } from '@keelson/service-kit';

// Who each request authenticated as: set by the auth guard, read wherever the request acts.
const requests = new AsyncLocalStorage<{ actor?: Actor }>();

/**
 * Express middleware: every request gets its own slot, so the actor the guard finds travels with the
 * request into the commands and events it causes, however deep the call.
 */
export function bindRequestActor(_req: unknown, _res: unknown, next: () => void): void {
  requests.run({}, next);
}

/** Records the authenticated actor of the request being handled. */
export function setRequestActor(actor: Actor): void {
  const slot = requests.getStore();
  if (!slot) throw new ServiceError('Internal', 'auth.no-request', 'no request to authenticate (bindRequestActor is not installed)');
  slot.actor = { ...actor };
}

/** The actor of the request being handled; a request that was not authenticated has none, and acting fails. */
export function requestActor(): Actor {
  const actor = requests.getStore()?.actor;
  if (!actor) throw new ServiceError('Internal', 'auth.no-actor', 'the request has no authenticated actor');
  return { ...actor };
}
