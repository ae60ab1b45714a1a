import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { signer } from '@keelson/requests';
import type { EventStoreNaming } from '@keelson/event-store';
import { handlerFor, serveRequests } from '@keelson/service-kit';
import { KeyedRepository } from '@keelson/tuf/testing';

/**
 * Stands in for the signer service in gateway specs: answers `cmd.signer.get-root` with a real
 * development root (ed25519, one key per role, from @keelson/tuf/testing), one per fleet. Counts the
 * requests it answered.
 */
export function serveFakeSigner(nc: NatsConnection, naming: EventStoreNaming): { subscriptions: Subscription[]; requests: string[] } {
  const roots = new Map<string, Record<string, unknown>>();
  const requests: string[] = [];
  const newRoot = () => new KeyedRepository({ rootKeys: 1 }).rootDocument();
  const subscriptions = serveRequests(nc, naming, [
    handlerFor(signer.getRoot, async ({ fleet }) => {
      requests.push(fleet);
      if (!roots.has(fleet)) roots.set(fleet, newRoot());
      return { version: 1, development: true, root: roots.get(fleet)! };
    }),
  ]);
  return { subscriptions, requests };
}
