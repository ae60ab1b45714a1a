import { JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import { eventStreamConfig, eventStreams, type EventStoreNaming } from '@keelson/event-store';

const streamNotFound = 10059;
const streamNameInUse = 10058;

/**
 * Creates the event streams that do not exist yet, so the audit can start before their owners.
 * It never updates an existing stream: its owner sets its config (replicas, limits), not the audit.
 */
export async function ensureEventStreams(jsm: JetStreamManager, naming: EventStoreNaming): Promise<void> {
  for (const decl of Object.values(eventStreams)) {
    const config = eventStreamConfig(naming, decl);
    try {
      await jsm.streams.info(config.name);
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === streamNotFound)) throw err;
      await jsm.streams.add(config).catch((addErr: unknown) => {
        // its owner created it in the meantime
        if (!(addErr instanceof JetStreamApiError && addErr.code === streamNameInUse)) throw addErr;
      });
    }
  }
}
