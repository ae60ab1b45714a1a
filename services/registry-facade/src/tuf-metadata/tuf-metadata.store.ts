import type { Database } from '@keelson/postgres';

/**
 * Which document a device asks for: `<N>.root.json`, `<N>.snapshot.json`, `<N>.targets.json`,
 * `<N>.<bin>.json` (a hash bin the targets delegates to, e.g. `3.bins-1f.json`) or `timestamp.json`.
 */
export type MetadataRequest = { role: string; version: number } | { role: 'timestamp' };

// A hash-bin name is `<prefix>-<hex index>` (TAP 15), the shape of the signer's DelegatedTargetsSigned role.
const versioned = /^([1-9][0-9]{0,8})\.(root|snapshot|targets|[a-z][a-z0-9]{0,31}-[0-9a-f]{1,8})\.json$/;

/**
 * Parses a metadata file name as TUF clients with consistent snapshots ask for it (TUF spec 5.3,
 * 5.5, 5.6, delegated targets in 5.6.7); null for anything else.
 */
export function parseMetadataFile(file: string): MetadataRequest | null {
  if (file === 'timestamp.json') return { role: 'timestamp' };
  const m = versioned.exec(file);
  return m ? { role: m[2]!, version: Number(m[1]) } : null;
}

/** Reads the signed metadata documents the TUF projection stored. */
export class TufMetadataStore {
  constructor(private readonly db: Database) {}

  /** The document as signed, or null; the timestamp is always the newest one. */
  async find(fleet: string, request: MetadataRequest): Promise<string | null> {
    const rows =
      !('version' in request)
        ? await this.db.query<{ document: string }>(`SELECT document FROM tuf_metadata WHERE fleet = $1 AND role = 'timestamp' ORDER BY version DESC LIMIT 1`, [fleet])
        : await this.db.query<{ document: string }>(`SELECT document FROM tuf_metadata WHERE fleet = $1 AND role = $2 AND version = $3`, [fleet, request.role, request.version]);
    return rows[0]?.document ?? null;
  }
}
