import { InvalidInput } from '@keelson/domain-kit';
import type { audit, ParsedRequestInput } from '@keelson/requests';
import type { AuditCloudEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { cloudEventOf } from '../audit-log/audit-cloud-event.js';
import { entryColumns, entryOfRow, type EntryRow } from '../audit-log/audit-log.rows.js';

type AuditQuery = ParsedRequestInput<typeof audit.queryAudit>;

/** Most bytes of entries one reply carries: a NATS message is 1 MiB by default, and one entry can be large. */
export const replyBudgetBytes = 512 * 1024;

// `<epoch ms>.<position>` of the last entry returned: where in (time, position) order to go on.
const cursorPattern = /^([0-9]{1,15})\.([1-9][0-9]{0,15})$/;

function afterCursor(cursor: string | undefined): { time: string; position: number } | null {
  if (cursor === undefined) return null;
  const m = cursorPattern.exec(cursor);
  if (!m) throw new InvalidInput('request.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
  return { time: new Date(Number(m[1])).toISOString(), position: Number(m[2]) };
}

const cursorOf = (row: EntryRow): string => `${Date.parse(row.time)}.${row.position}`;

/**
 * Entries of one fleet, oldest first by JetStream time (ties in chain order) or, with `order:
 * 'newest'`, the reverse (a cursor then goes on towards older entries), each filter narrowing (`types`: any of these event types)
 * the result: `rolloutId`, `deviceId` and `artifact` match any entry that concerns them (see
 * event-references), `since` is inclusive and `until` exclusive on the JetStream time. A page ends
 * early when it would outgrow the reply budget. Projections of different streams may lag each
 * other by about a second, so an entry can still arrive with a time just before a cursor handed out
 * a moment ago: followers of the live tail listen to the republished CloudEvents instead.
 */
export async function queryAuditLog(db: Database, q: AuditQuery): Promise<{ items: AuditCloudEvent[]; nextCursor?: string }> {
  const after = afterCursor(q.cursor);
  const [past, direction] = q.order === 'newest' ? ['<', 'DESC'] : ['>', 'ASC'];
  const rows = await db.query<EntryRow>(
    `SELECT ${entryColumns} FROM audit_log
     WHERE fleet = $1
       AND ($2::text IS NULL OR rollout_ids @> ARRAY[$2::text])
       AND ($3::text IS NULL OR device_ids @> ARRAY[$3::text])
       AND ($4::text IS NULL OR artifacts @> ARRAY[$4::text])
       AND ($5::timestamptz IS NULL OR time >= $5::timestamptz)
       AND ($6::timestamptz IS NULL OR time < $6::timestamptz)
       AND ($7::timestamptz IS NULL OR (time, position) ${past} ($7::timestamptz, $8::bigint))
       AND ($10::text[] IS NULL OR event_type = ANY($10::text[]))
     ORDER BY time ${direction}, position ${direction} LIMIT $9`,
    [
      q.fleet,
      q.rolloutId ?? null,
      q.deviceId ?? null,
      q.artifact ?? null,
      q.since ?? null,
      q.until ?? null,
      after?.time ?? null,
      after?.position ?? null,
      q.limit + 1,
      q.types ?? null,
    ],
  );
  const items: AuditCloudEvent[] = [];
  let bytes = 0;
  for (const row of rows.slice(0, q.limit)) {
    const event = cloudEventOf(entryOfRow(row));
    bytes += Buffer.byteLength(JSON.stringify(event));
    if (items.length > 0 && bytes > replyBudgetBytes) break;
    items.push(event);
  }
  const more = items.length < rows.length;
  return more ? { items, nextCursor: cursorOf(rows[items.length - 1]!) } : { items };
}
