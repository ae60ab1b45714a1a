import type { JetStreamManager } from '@nats-io/jetstream';
import { eventStreams } from '@keelson/event-store';

/** The event streams plus the gateway's device inbox (input, not history, but where device reports queue). */
export const watchedStreams = [...Object.values(eventStreams).map((s) => s.name), 'DEVICE_INBOX'];

export type StreamCounts = Record<string, { messages: number; bytes: number }>;

export async function streamCounts(jsm: JetStreamManager): Promise<StreamCounts> {
  const out: StreamCounts = {};
  for (const name of watchedStreams) {
    const info = await jsm.streams.info(name).catch(() => undefined);
    out[name] = { messages: info?.state.messages ?? 0, bytes: info?.state.bytes ?? 0 };
  }
  return out;
}

export interface ConsumerBacklog {
  stream: string;
  consumer: string;
  /** Largest `num_pending + num_ack_pending` seen: messages the consumer had not finished. */
  peak: number;
  /** Seconds after the watch began when the backlog was last seen non-empty. */
  lastBusyAt: number;
  redelivered: number;
  /** Messages the server delivered to it since the watch began (redeliveries included). */
  delivered: number;
  /** Every sample: seconds after the watch began, backlog then. */
  series: [number, number][];
}

/**
 * Samples every durable consumer of the watched streams once a second. Where the backlog peaks and
 * which consumer drains last shows which stage of the loop the devices wait for.
 */
export function watchConsumers(jsm: JetStreamManager, intervalMs = 1000): { stop(): Promise<ConsumerBacklog[]> } {
  const started = Date.now();
  const seen = new Map<string, ConsumerBacklog>();
  const firstDelivered: Record<string, number> = {};
  let stopped = false;
  const sample = async () => {
    for (const stream of watchedStreams) {
      try {
        for await (const ci of jsm.consumers.list(stream)) {
          const key = `${stream}/${ci.name}`;
          const backlog = ci.num_pending + ci.num_ack_pending;
          const entry = seen.get(key) ?? { stream, consumer: ci.name, peak: 0, lastBusyAt: 0, redelivered: 0, delivered: 0, series: [] };
          const deliveredAtStart = (firstDelivered[key] ??= ci.delivered.consumer_seq);
          const t = (Date.now() - started) / 1000;
          entry.peak = Math.max(entry.peak, backlog);
          entry.series.push([t, backlog]);
          if (backlog > 0) entry.lastBusyAt = t;
          entry.redelivered = ci.num_redelivered;
          entry.delivered = ci.delivered.consumer_seq - deliveredAtStart;
          seen.set(key, entry);
        }
      } catch {
        // a stream not declared yet: nothing to sample
      }
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await sample();
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    await sample();
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return [...seen.values()].sort((a, b) => b.lastBusyAt - a.lastBusyAt);
    },
  };
}
