import type { JetStreamManager } from '@nats-io/jetstream';
import { watchedStreams } from './stream-watch.js';

/**
 * Waits until every audit consumer (`proj-audit-log-*`) has finished its messages, so the audit's
 * lag histogram covers the whole rollout; returns the seconds that took, or undefined when it did
 * not catch up within `timeoutMs` (then the histogram covers what it wrote so far).
 */
export async function auditDrained(jsm: JetStreamManager, timeoutMs: number): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    let behind = 0;
    for (const stream of watchedStreams) {
      for await (const ci of jsm.consumers.list(stream)) if (ci.name.includes('audit-log')) behind += ci.num_pending + ci.num_ack_pending;
    }
    if (behind === 0) return (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}
