import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Resolves true once `stream` exists, false if `signal` aborts first. Another service owns the
 * stream and declares it; a service that only reads it waits rather than creating it.
 */
export async function waitForStream(
  nc: NatsConnection,
  stream: string,
  signal: AbortSignal,
  onWait: () => void,
  pollMs = 500,
): Promise<boolean> {
  const jsm = await jetstreamManager(nc);
  let warned = false;
  while (!signal.aborted) {
    try {
      await jsm.streams.info(stream);
      return true;
    } catch (err) {
      if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
      if (!warned) onWait();
      warned = true;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
  return false;
}
