import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from '@nats-io/jetstream';
import { eventStreamConfig, eventStreams, type EventStoreNaming } from '@keelson/event-store';

// Not in nats.js's JetStreamApiCodes: "stream name already in use with a different configuration".
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
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
      await jsm.streams.add(config).catch((addErr: unknown) => {
        // its owner created it in the meantime
        if (!(addErr instanceof JetStreamApiError && addErr.code === streamNameInUse)) throw addErr;
      });
    }
  }
}
