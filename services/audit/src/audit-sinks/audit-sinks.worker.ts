import { Logger } from '@nestjs/common';
import type { Database } from '@keelson/postgres';
import { numberSetting, type DeclaredWorker, type ServiceConfig } from '@keelson/service-kit';
import { Gauge, register } from 'prom-client';
import { pokedDrain } from '../audit-log/poked-drain.js';
import { deliverNext, type SinkDeliveryOptions } from './sink-delivery.js';
import type { SinkSecrets } from './sink-secrets.js';

/** The sinks' retry settings: `KEELSON_AUDIT_SINK_RETRY_BASE_MS`, `…_RETRY_MAX_MS`, `…_MAX_ATTEMPTS`, `…_TIMEOUT_MS`. */
export function sinkDeliveryOptions(config: ServiceConfig): SinkDeliveryOptions & { pollMs: number } {
  return {
    retryBaseMs: numberSetting(config, 'KEELSON_AUDIT_SINK_RETRY_BASE_MS', { default: 1000, min: 10, max: 600_000 }),
    retryMaxMs: numberSetting(config, 'KEELSON_AUDIT_SINK_RETRY_MAX_MS', { default: 300_000, min: 10, max: 86_400_000 }),
    maxAttempts: numberSetting(config, 'KEELSON_AUDIT_SINK_MAX_ATTEMPTS', { default: 12, min: 1, max: 1000 }),
    timeoutMs: numberSetting(config, 'KEELSON_AUDIT_SINK_TIMEOUT_MS', { default: 10_000, min: 100, max: 120_000 }),
    pollMs: numberSetting(config, 'KEELSON_AUDIT_SINK_POLL_MS', { default: 1000, min: 10, max: 60_000 }),
  };
}

/** The installation's sinks paused on a dead letter, counted after every round: what the alert KeelsonAuditSinkPaused watches. */
const sinksPaused = (): Gauge<string> =>
  (register.getSingleMetric('keelson_audit_sinks_paused') as Gauge<string> | undefined) ??
  new Gauge({
    name: 'keelson_audit_sinks_paused',
    help: 'Audit webhook sinks paused on a dead letter, waiting for an operator to resume them',
  });

/**
 * Delivers every sink's due entries: at once when an entry was committed here (`poke`) and every
 * `pollMs` for entries another replica committed, retries whose time has come and sinks just added.
 * Each sink drains in chain order until it is idle or fails; sinks do not wait on each other's retries.
 */
export function auditSinksWorker(
  db: Database,
  secrets: SinkSecrets,
  options: SinkDeliveryOptions & { pollMs: number },
): DeclaredWorker & { poke(): void } {
  const paused = sinksPaused();
  return pokedDrain({
    name: 'audit sinks',
    logger: new Logger('audit-sinks'),
    doing: 'delivering audit entries to sinks',
    everyMs: options.pollMs,
    round: async (stopped) => {
      const drainSink = async (sinkId: string, name: string) => {
        while (!stopped() && (await deliverNext(db, secrets, sinkId, name, options)) === 'delivered');
      };
      const due = await db.query<{ sink_id: string; name: string }>(
        'SELECT sink_id, name FROM audit_sinks WHERE NOT paused AND next_attempt_at <= now()',
      );
      const results = await Promise.allSettled(due.map((s) => drainSink(s.sink_id, s.name)));
      for (const r of results) if (r.status === 'rejected') throw r.reason;
    },
    after: async () => {
      const [count] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_sinks WHERE paused').catch(() => []);
      if (count) paused.set(count.n);
    },
  });
}
