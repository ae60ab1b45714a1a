import { randomUUID } from 'node:crypto';
import type { TufEvent } from '@keelson/events';
import { tufEventsOf, type KeyedRepository } from '@keelson/tuf/testing';
import type { FacadeApp } from './facade-app.js';

/** Appends to `ev.tuf.<fleet>.repository` as the signer would. */
export async function appendTuf(facade: FacadeApp, fleet: string, ...events: TufEvent[]): Promise<void> {
  const subject = facade.tuf.subject('tuf', fleet, 'repository');
  const { lastSeq } = await facade.tuf.load(subject);
  await facade.tuf.append(subject, lastSeq, events, {
    actor: { kind: 'service', id: 'signer' },
    correlationId: 'spec',
    commandId: randomUUID(),
  });
}

const appendedOf = new WeakMap<KeyedRepository, number>();

/**
 * Appends what `repo` signed (real keys, real signatures) as the signer's events of `fleet`, each
 * signing once: the first call appends the whole repository, each later call what was signed since.
 * Returns the events appended.
 */
export async function appendSigned(facade: FacadeApp, fleet: string, repo: KeyedRepository): Promise<TufEvent[]> {
  const events = tufEventsOf(fleet, repo.signings.slice(appendedOf.get(repo) ?? 0));
  await appendTuf(facade, fleet, ...events);
  appendedOf.set(repo, repo.signings.length);
  return events;
}
