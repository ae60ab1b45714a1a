import { Logger } from '@nestjs/common';
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { EventStoreNaming } from '@keelson/event-store';
import type { Database } from '@keelson/postgres';
import type { DeclaredWorker } from '@keelson/service-kit';
import { cloudEventOf } from '../audit-log/audit-cloud-event.js';
import { auditEventsUnrelayed } from '../audit-log/audit-log.metrics.js';
import { entryColumns, entryOfRow, type EntryRow } from '../audit-log/audit-log.rows.js';
import { pokedDrain } from '../audit-log/poked-drain.js';
import { auditEventSubject } from './audit-events.stream.js';

/** Entries per round: one transaction holds the relay's row while their publishes are acknowledged. */
export const relayBatchSize = 500;

/** The header carrying an entry's chain position, so a consumer can tell where it is in the audit log. */
export const positionHeader = 'Keelson-Audit-Position';

/**
 * Publishes the entries after the relay's position to the AUDIT_EVENTS stream, in chain order, and
 * moves the position once JetStream has acknowledged them all, in one transaction. The row is
 * locked with SKIP LOCKED: of several replicas one relays at a time and the others find nothing to do.
 * A crash between the publishes and the commit publishes the batch again; the stream drops the
 * copies by their message id (the CloudEvent id), and consumers may de-duplicate on it too.
 * Returns how many entries it published.
 */
export async function relayBatch(db: Database, js: JetStreamClient, naming: EventStoreNaming): Promise<number> {
  return db.transaction(async (sql) => {
    const [row] = await sql.query<{ position: string }>('SELECT position FROM audit_relay_position WHERE only_row FOR UPDATE SKIP LOCKED');
    if (!row) return 0;
    const rows = await sql.query<EntryRow>(`SELECT ${entryColumns} FROM audit_log WHERE position > $1 ORDER BY position LIMIT $2`, [
      row.position,
      relayBatchSize,
    ]);
    if (rows.length === 0) return 0;
    const entries = rows.map(entryOfRow);
    // Sent in order on one connection, so stored in order; acknowledged together.
    await Promise.all(
      entries.map((entry) => {
        const h = natsHeaders();
        h.set(positionHeader, String(entry.position));
        const event = cloudEventOf(entry);
        return js.publish(auditEventSubject(naming, entry.fleet), JSON.stringify(event), { msgID: event.id, headers: h });
      }),
    );
    await sql.query('UPDATE audit_relay_position SET position = $1 WHERE only_row', [entries.at(-1)!.position]);
    return entries.length;
  });
}

/**
 * Runs the relay: at once when an entry was committed here (`poke`), and every `intervalMs` for
 * entries another replica committed or a round that failed. At least once: an entry stays due until
 * its publish was acknowledged.
 */
export function auditEventsRelay(
  db: Database,
  js: JetStreamClient,
  naming: EventStoreNaming,
  intervalMs = 1000,
): DeclaredWorker & { poke(): void } {
  const unrelayed = auditEventsUnrelayed();
  return pokedDrain({
    name: 'audit events relay',
    logger: new Logger('audit-events'),
    doing: 'relaying audit entries to AUDIT_EVENTS',
    everyMs: intervalMs,
    round: async (stopped) => {
      while (!stopped() && (await relayBatch(db, js, naming)) === relayBatchSize);
    },
    after: async () => {
      // The whole installation's gap, whichever replica relayed: what the alert watches.
      const [gap] = await db
        .query<{ n: string }>('SELECT h.position - r.position AS n FROM audit_chain_head h, audit_relay_position r')
        .catch(() => []);
      if (gap) unrelayed.set(Number(gap.n));
    },
  });
}
