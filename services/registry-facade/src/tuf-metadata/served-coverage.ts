import type { Database } from '@keelson/postgres';

/**
 * The version of `role` (`targets`, or a hash bin such as `bins-1f`) that a TUF client of `fleet`
 * reaches through what the facade serves now: the newest `timestamp.json`, the snapshot it names,
 * and that snapshot's `meta["<role>.json"].version`. Null when the fleet has no timestamp yet, the
 * named snapshot is not stored, or it does not list the role.
 *
 * The TUF projection writes a signing batch (bins, snapshot, timestamp) in one transaction, but it
 * follows the signer's stream on its own consumer: anything else reacting to a signed bin may run
 * before the documents that make the bin reachable are served.
 */
export async function servedRoleVersion(db: Database, fleet: string, role: string): Promise<number | null> {
  const [row] = await db.query<{ version: number | null }>(
    `SELECT (s.document::jsonb -> 'signed' -> 'meta' -> $2 ->> 'version')::integer AS version
       FROM (SELECT document FROM tuf_metadata WHERE fleet = $1 AND role = 'timestamp' ORDER BY version DESC LIMIT 1) t
       JOIN tuf_metadata s
         ON s.fleet = $1 AND s.role = 'snapshot'
        AND s.version = (t.document::jsonb -> 'signed' -> 'meta' -> 'snapshot.json' ->> 'version')::integer`,
    [fleet, `${role}.json`],
  );
  return row?.version ?? null;
}

/** Whether devices of `fleet` are served `role` at `version` or later (see `servedRoleVersion`). */
export async function servesRoleVersion(db: Database, fleet: string, role: string, version: number): Promise<boolean> {
  const served = await servedRoleVersion(db, fleet, role);
  return served !== null && served >= version;
}
