import type { Sql } from '@keelson/postgres';
import type { AuditEntryDraft } from '../audit-chain/audit-entry.js';

/** Artifact names recorded earlier on the same aggregate (an `ArtifactRejected` names only the id). */
export async function artifactsOnSubject(sql: Sql, subject: string): Promise<string[]> {
  const rows = await sql.query<{ artifacts: string[] }>(
    'SELECT artifacts FROM audit_log WHERE subject = $1 AND cardinality(artifacts) > 0 ORDER BY position LIMIT 1',
    [subject],
  );
  return rows[0]?.artifacts ?? [];
}

const lacksArtifacts = (draft: AuditEntryDraft): boolean => draft.family === 'artifact' && draft.artifacts.length === 0;

/**
 * Gives each artifact draft that names no artifact the names recorded first on its aggregate, as
 * appending the drafts one at a time would find them: in the log, else earlier in the same batch
 * (not yet in the log). Asks the database only for such drafts, which are rare (`ArtifactRejected`).
 */
export async function fillArtifactNames(sql: Sql, drafts: AuditEntryDraft[]): Promise<void> {
  for (const [i, draft] of drafts.entries()) {
    if (!lacksArtifacts(draft)) continue;
    const logged = await artifactsOnSubject(sql, draft.subject);
    const earlier = drafts.slice(0, i).find((d) => d.subject === draft.subject && d.artifacts.length > 0);
    draft.artifacts = logged.length > 0 ? logged : (earlier?.artifacts ?? []);
  }
}
