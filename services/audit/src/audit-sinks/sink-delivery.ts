import type { Database } from '@keelson/postgres';
import { cloudEventOf } from '../audit-log/audit-cloud-event.js';
import { entryColumns, entryOfRow, type EntryRow } from '../audit-log/audit-log.rows.js';
import { positionHeader } from '../audit-events/audit-events.relay.js';
import type { SinkSecrets } from './sink-secrets.js';
import { signatureHeader, signDelivery } from './sink-signature.js';

/** How deliveries are retried: exponential from `retryBaseMs`, capped at `retryMaxMs`; paused after `maxAttempts`. */
export interface SinkDeliveryOptions {
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
  timeoutMs: number;
}

/** What one attempt did: sent an entry, found nothing due (or the sink busy elsewhere), or failed. */
export type DeliveryOutcome = 'delivered' | 'idle' | 'failed';

/** The wait before the next attempt after `failures` failures in a row: base·2^(failures−1), capped. */
export function retryDelayMs(failures: number, options: Pick<SinkDeliveryOptions, 'retryBaseMs' | 'retryMaxMs'>): number {
  return Math.min(options.retryBaseMs * 2 ** Math.min(failures - 1, 30), options.retryMaxMs);
}

interface DueSink {
  sink_id: string;
  fleet: string;
  url: string;
  sealed_secret: string;
  position: string;
  failures: number;
}

async function post(
  url: string,
  secret: string,
  body: string,
  position: number,
  sinkName: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        [signatureHeader]: signDelivery(secret, timestamp, body),
        [positionHeader]: String(position),
        'Keelson-Sink': sinkName,
      },
    });
    await res.body?.cancel();
    return res.ok ? undefined : `the receiver answered HTTP ${res.status}`;
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err instanceof Error ? err.message : String(err)}${cause}`;
  }
}

/**
 * Delivers the next entry of the sink's fleet after its position, in one transaction that holds the
 * sink's row (FOR UPDATE SKIP LOCKED: of several replicas one delivers a sink at a time, the others
 * skip it). The position moves only once the receiver answered 2xx, so a crash sends that one entry
 * again (at least once; receivers de-duplicate on the CloudEvent id). A failure schedules a retry
 * with backoff; after `maxAttempts` failures of the same entry it counts a dead letter and pauses the
 * sink on that entry: a receiver of an audit trail gets no gap it did not ask for.
 */
export async function deliverNext(
  db: Database,
  secrets: SinkSecrets,
  sinkId: string,
  sinkName: string,
  options: SinkDeliveryOptions,
): Promise<DeliveryOutcome> {
  return db.transaction(async (sql) => {
    const [sink] = await sql.query<DueSink>(
      `SELECT sink_id, fleet, url, sealed_secret, position, failures FROM audit_sinks
       WHERE sink_id = $1 AND NOT paused AND next_attempt_at <= now() FOR UPDATE SKIP LOCKED`,
      [sinkId],
    );
    if (!sink) return 'idle';
    const [row] = await sql.query<EntryRow>(
      `SELECT ${entryColumns} FROM audit_log WHERE position > $1 AND fleet = $2 ORDER BY position LIMIT 1`,
      [sink.position, sink.fleet],
    );
    if (!row) return 'idle';
    const entry = entryOfRow(row);
    // A secret that does not open (platform secret unset or wrong) fails like a refused delivery: retried
    // with backoff, then paused with the reason in `lastError` (which names variables, never values).
    const secret = await secrets
      .open(sink.sink_id, sink.sealed_secret)
      .catch((err: unknown) => new Error(err instanceof Error ? err.message : String(err)));
    const problem =
      secret instanceof Error
        ? secret.message
        : await post(sink.url, secret, JSON.stringify(cloudEventOf(entry)), entry.position, sinkName, options.timeoutMs);
    if (problem === undefined) {
      await sql.query('UPDATE audit_sinks SET position = $2, failures = 0, last_error = NULL WHERE sink_id = $1', [sinkId, entry.position]);
      return 'delivered';
    }
    const failures = sink.failures + 1;
    const deadLetter = failures >= options.maxAttempts;
    await sql.query(
      `UPDATE audit_sinks SET failures = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4::float8 / 1000),
         dead_letters = dead_letters + $5, paused = $6 WHERE sink_id = $1`,
      [
        sinkId,
        failures,
        `position ${entry.position}: ${problem}`.slice(0, 500),
        retryDelayMs(failures, options),
        deadLetter ? 1 : 0,
        deadLetter,
      ],
    );
    return 'failed';
  });
}
