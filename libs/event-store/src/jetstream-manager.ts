import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * A JetStreamManager made on first use and kept, for objects that read through it for as long as
 * they live. Making one asks the server for the account's JetStream info; when that fails (no
 * meta leader while a nats-server of a cluster died, or a server that is down) the attempt is
 * forgotten and the next call asks again. Kept, a failed attempt would fail every later read of
 * the process with the same error without ever sending it: a replica that first read during a
 * meta-leader election answered "timeout" for good.
 */
export function lazyJetStreamManager(nc: NatsConnection): () => Promise<JetStreamManager> {
  let made: Promise<JetStreamManager> | undefined;
  return () =>
    (made ??= jetstreamManager(nc).catch((err: unknown) => {
      made = undefined;
      throw err;
    }));
}
