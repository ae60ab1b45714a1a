import type { Sql } from '@keelson/postgres';
import { chainHash, type AuditEntry, type AuditEntryDraft } from '../audit-chain/audit-entry.js';
import { canonicalJson } from '../audit-chain/canonical-json.js';

/** An entry as it stands in the chain. */
export interface ChainedEntry extends AuditEntry {
  prevHash: string;
  hash: string;
}

// The head as the current transaction holds it: once locked, it stays ours until that transaction
// ends, so later appends of the same batch need not read it again. Keyed by the transaction's Sql.
const heads = new WeakMap<Sql, { position: number; hash: string }>();

async function lockHead(sql: Sql): Promise<{ position: number; hash: string }> {
  const [row] = await sql.query<{ position: string; hash: string }>('SELECT position, hash FROM audit_chain_head WHERE only_row FOR UPDATE');
  if (!row) throw new Error('audit_chain_head is missing its row: the audit migrations did not run');
  const head = { position: Number(row.position), hash: row.hash };
  heads.set(sql, head);
  return head;
}

/**
 * Appends one entry at the head of the chain, inside the caller's transaction. The head row is
 * locked until that transaction ends, so concurrent projections append one after another. An
 * event already in the log (same stream and sequence) changes nothing and returns null.
 */
export async function appendEntry(sql: Sql, draft: AuditEntryDraft): Promise<ChainedEntry | null> {
  const head = heads.get(sql) ?? (await lockHead(sql));
  const entry: AuditEntry = { position: head.position + 1, ...draft };
  const hash = chainHash(head.hash, entry);
  const inserted = await sql.query(
    `INSERT INTO audit_log (stream, seq, position, fleet, subject, family, event_type, schema_version, recognised, actor, correlation_id,
       time, rollout_ids, device_ids, artifacts, data, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
     ON CONFLICT (stream, seq) DO NOTHING RETURNING position`,
    [entry.stream, entry.seq, entry.position, entry.fleet, entry.subject, entry.family, entry.type, entry.schemaVersion, entry.recognised,
      entry.actor, entry.correlationId, entry.time, entry.rolloutIds, entry.deviceIds, entry.artifacts, canonicalJson(entry.data), head.hash, hash],
  );
  if (inserted.length === 0) return null;
  await sql.query('UPDATE audit_chain_head SET position = $1, hash = $2 WHERE only_row', [entry.position, hash]);
  heads.set(sql, { position: entry.position, hash });
  return { ...entry, prevHash: head.hash, hash };
}

/** Artifact names recorded earlier on the same aggregate (an `ArtifactRejected` names only the id). */
export async function artifactsOnSubject(sql: Sql, subject: string): Promise<string[]> {
  const rows = await sql.query<{ artifacts: string[] }>(
    'SELECT artifacts FROM audit_log WHERE subject = $1 AND cardinality(artifacts) > 0 ORDER BY position LIMIT 1',
    [subject],
  );
  return rows[0]?.artifacts ?? [];
}
