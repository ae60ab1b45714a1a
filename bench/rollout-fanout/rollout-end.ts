import type { JetStreamManager } from '@nats-io/jetstream';
import { eventStreams } from '@keelson/event-store';

const endings = new Set(['RolloutFinished', 'RolloutHalted', 'RolloutAborted']);

export interface RolloutEnd {
  type: string;
  /** When JetStream stored the event, ms since the epoch. */
  storedAtMs: number;
}

/**
 * Waits for the event that ends the rollout on its own subject of EV_ROLLOUTS, read with an ordered
 * consumer from the start of the subject. Watching the stream instead of polling the rollout view
 * keeps the bench from loading the api and the orchestrator with a view of thousands of devices.
 */
export async function rolloutEnd(jsm: JetStreamManager, fleet: string, rolloutId: string, signal: AbortSignal): Promise<RolloutEnd> {
  const consumer = await jsm.jetstream().consumers.get(eventStreams.orchestrator.name, { filter_subjects: [`ev.rollout.${fleet}.${rolloutId}`] });
  const messages = await consumer.consume();
  const stop = () => messages.stop();
  signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const m of messages) {
      const type = (JSON.parse(m.string()) as { type?: string }).type ?? '';
      if (endings.has(type)) return { type, storedAtMs: Math.floor(m.info.timestampNanos / 1e6) };
    }
    throw new Error(signal.aborted ? String(signal.reason) : `bench: the watch of rollout ${rolloutId} ended early`);
  } finally {
    signal.removeEventListener('abort', stop);
    messages.stop();
  }
}
