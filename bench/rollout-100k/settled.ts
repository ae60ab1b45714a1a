import type { JetStreamManager } from '@nats-io/jetstream';
import { eventStreams } from '@keelson/event-store';
import { until } from '../rollout-fanout/operator-api.js';

/** Durable consumers of the device and rollout streams with messages still to process. */
async function behind(jsm: JetStreamManager): Promise<string[]> {
  const out: string[] = [];
  for (const stream of [eventStreams.gateway.name, eventStreams.orchestrator.name]) {
    for await (const info of jsm.consumers.list(stream)) {
      if (info.config.durable_name && info.num_pending + info.num_ack_pending > 0) out.push(`${stream}/${info.name}`);
    }
  }
  return out;
}

/**
 * Waits until every service's consumer of the device and rollout streams caught up (the audit log,
 * the orchestrator's device read models, the facade's…), so the CPU measured over the creation is
 * the creation's and not the registrations' tail. Returns the seconds it waited.
 */
export async function consumersSettled(jsm: JetStreamManager, timeoutMs: number): Promise<number> {
  const started = performance.now();
  await until(
    'every consumer of the registrations to catch up',
    timeoutMs,
    async () => ((await behind(jsm)).length === 0 ? true : undefined),
    500,
  );
  return (performance.now() - started) / 1000;
}
