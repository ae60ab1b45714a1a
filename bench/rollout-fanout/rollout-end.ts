import type { JetStreamManager } from '@nats-io/jetstream';
import { eventStreams } from '@keelson/event-store';

const endings = new Set(['RolloutFinished', 'RolloutHalted', 'RolloutAborted']);

/** A device's recorded outcome in the rollout (`DeviceOutcomeRecorded`). */
export interface DeviceOutcome {
  state: string;
  reason?: string;
}

export interface RolloutEnd {
  type: string;
  /** When JetStream stored the event, ms since the epoch. */
  storedAtMs: number;
  /** Every device outcome the rollout recorded up to its end, by device id (the view lists only its first 1000 devices). */
  outcomes: Map<string, DeviceOutcome>;
}

/**
 * Waits for the event that ends the rollout on its own subject of EV_ROLLOUTS, read with an ordered
 * consumer from the start of the subject, and collects the device outcomes on the way. Watching the stream instead of polling the rollout view
 * keeps the bench from loading the api and the orchestrator with a view of thousands of devices.
 */
export async function rolloutEnd(jsm: JetStreamManager, fleet: string, rolloutId: string, signal: AbortSignal): Promise<RolloutEnd> {
  const consumer = await jsm
    .jetstream()
    .consumers.get(eventStreams.orchestrator.name, { filter_subjects: [`ev.rollout.${fleet}.${rolloutId}`] });
  const messages = await consumer.consume();
  const stop = () => messages.stop();
  signal.addEventListener('abort', stop, { once: true });
  const outcomes = new Map<string, DeviceOutcome>();
  try {
    for await (const m of messages) {
      const event = JSON.parse(m.string()) as { type?: string; data?: { deviceId: string; state: string; reason?: string } };
      const type = event.type ?? '';
      if (type === 'DeviceOutcomeRecorded' && event.data) {
        const { deviceId, state, reason } = event.data;
        outcomes.set(deviceId, reason === undefined ? { state } : { state, reason });
      }
      if (endings.has(type)) return { type, storedAtMs: Math.floor(m.info.timestampNanos / 1e6), outcomes };
    }
    throw new Error(signal.aborted ? String(signal.reason) : `bench: the watch of rollout ${rolloutId} ended early`);
  } finally {
    signal.removeEventListener('abort', stop);
    messages.stop();
  }
}
