import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eachInFlight } from './in-flight.js';

/**
 * The same number of report-sized messages through the broker alone, same run, same concurrency:
 * JetStream publishes with acknowledgement to a throwaway file stream, no service logic. What the
 * rollout takes beyond this is the platform's own work per device.
 */
export async function brokerBaseline(nc: NatsConnection, messages: number, payloadBytes: number, concurrency: number): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const name = 'BENCH_BASELINE';
  await jsm.streams.add({ name, subjects: ['bench.baseline.>'] });
  const js = jetstream(nc);
  const payload = new Uint8Array(payloadBytes).fill(120);
  const started = performance.now();
  try {
    await eachInFlight(Array.from({ length: messages }, (_, i) => i).values(), concurrency, async (i) => {
      await js.publish(`bench.baseline.d${i}`, payload);
    });
    return (performance.now() - started) / 1000;
  } finally {
    await jsm.streams.delete(name);
  }
}
