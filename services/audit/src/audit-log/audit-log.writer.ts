import type { Sql } from '@keelson/postgres';
import { chainAfter, chainOne, type AuditEntryDraft, type ChainedEntry, type SerialisedEntry } from '../audit-chain/audit-entry.js';

export type { ChainedEntry } from '../audit-chain/audit-entry.js';

// The head as the current transaction holds it: once locked, it stays ours until that transaction
// ends, so later appends of the same batch need not read it again. Keyed by the transaction's Sql.
const heads = new WeakMap<Sql, { position: number; hash: string }>();

async function lockHead(sql: Sql): Promise<{ position: number; hash: string }> {
  const [row] = await sql.query<{ position: string; hash: string }>(
    'SELECT position, hash FROM audit_chain_head WHERE only_row FOR UPDATE',
  );
  if (!row) throw new Error('audit_chain_head is missing its row: the audit migrations did not run');
  const head = { position: Number(row.position), hash: row.hash };
  heads.set(sql, head);
  return head;
}

async function moveHead(sql: Sql, last: ChainedEntry): Promise<void> {
  await sql.query('UPDATE audit_chain_head SET position = $1, hash = $2 WHERE only_row', [last.position, last.hash]);
  heads.set(sql, { position: last.position, hash: last.hash });
}

const columns = `stream, seq, position, fleet, subject, family, event_type, schema_version, recognised, actor, correlation_id,
  time, rollout_ids, device_ids, artifacts, data, prev_hash, hash`;

// `data` is stored as the very text that was hashed.
const valuesOf = ({ entry: e, dataJson }: SerialisedEntry): unknown[] => [
  e.stream,
  e.seq,
  e.position,
  e.fleet,
  e.subject,
  e.family,
  e.type,
  e.schemaVersion,
  e.recognised,
  e.actor,
  e.correlationId,
  e.time,
  e.rolloutIds,
  e.deviceIds,
  e.artifacts,
  dataJson,
  e.prevHash,
  e.hash,
];

/** `($1, ..., $18), ($19, ...)` for `rows` rows of `width` parameters each. */
const placeholders = (rows: number, width: number): string =>
  Array.from({ length: rows }, (_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`).join(', ');

/**
 * Appends one entry at the head of the chain, inside the caller's transaction. The head row is
 * locked until that transaction ends, so concurrent projections append one after another. An
 * event already in the log (same stream and sequence) changes nothing and returns null.
 */
export async function appendEntry(sql: Sql, draft: AuditEntryDraft): Promise<ChainedEntry | null> {
  const head = heads.get(sql) ?? (await lockHead(sql));
  const serialised = chainOne(head, draft);
  const values = valuesOf(serialised);
  const inserted = await sql.query(
    `INSERT INTO audit_log (${columns}) VALUES ${placeholders(1, values.length)} ON CONFLICT (stream, seq) DO NOTHING RETURNING position`,
    values,
  );
  if (inserted.length === 0) return null;
  await moveHead(sql, serialised.entry);
  return serialised.entry;
}

// PostgreSQL takes at most 65535 parameters in one statement: 1000 rows of 18 stay well below.
const rowsPerInsert = 1000;

/**
 * Appends entries in the order given, as `appendEntry` on each in turn would, in a constant number
 * of statements: lock the head, find which events the log already holds, insert the rest (chained in
 * memory from the head) in one statement, move the head once. The lock is taken before the lookup,
 * so no other transaction can record one of these events in between.
 */
export async function appendEntries(sql: Sql, drafts: AuditEntryDraft[]): Promise<ChainedEntry[]> {
  if (drafts.length === 0) return [];
  const head = heads.get(sql) ?? (await lockHead(sql));
  const fresh = await unrecorded(sql, drafts);
  if (fresh.length === 0) return [];
  const chained = chainAfter(head, fresh);
  for (let i = 0; i < chained.length; i += rowsPerInsert) {
    const rows = chained.slice(i, i + rowsPerInsert);
    await sql.query(`INSERT INTO audit_log (${columns}) VALUES ${placeholders(rows.length, 18)}`, rows.flatMap(valuesOf));
  }
  await moveHead(sql, chained.at(-1)!.entry);
  return chained.map((c) => c.entry);
}

/** The drafts whose event is neither in the log already nor earlier in `drafts` (a redelivery changes nothing). */
async function unrecorded(sql: Sql, drafts: AuditEntryDraft[]): Promise<AuditEntryDraft[]> {
  const recorded = await sql.query<{ stream: string; seq: string }>(
    'SELECT stream, seq FROM audit_log WHERE (stream, seq) IN (SELECT * FROM unnest($1::text[], $2::bigint[]))',
    [drafts.map((d) => d.stream), drafts.map((d) => d.seq)],
  );
  const seen = new Set(recorded.map((r) => `${r.stream}\u0000${r.seq}`));
  return drafts.filter((d) => {
    const key = `${d.stream}\u0000${d.seq}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
