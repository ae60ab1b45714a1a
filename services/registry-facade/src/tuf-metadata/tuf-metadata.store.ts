import type { Database } from '@keelson/postgres';

/** Which document a device asks for: `<N>.root.json`, `<N>.snapshot.json`, `<N>.targets.json` or `timestamp.json`. */
export type MetadataRequest = { role: 'root' | 'snapshot' | 'targets'; version: number } | { role: 'timestamp' };

const versioned = /^([1-9][0-9]{0,8})\.(root|snapshot|targets)\.json$/;

/**
 * Parses a metadata file name as TUF clients with consistent snapshots ask for it (TUF spec 5.3,
 * 5.5, 5.6); null for anything else.
 */
export function parseMetadataFile(file: string): MetadataRequest | null {
  if (file === 'timestamp.json') return { role: 'timestamp' };
  const m = versioned.exec(file);
  return m ? { role: m[2] as 'root' | 'snapshot' | 'targets', version: Number(m[1]) } : null;
}

/** Reads the signed metadata documents the TUF projection stored. */
export class TufMetadataStore {
  constructor(private readonly db: Database) {}

  /** The document as signed, or null; the timestamp is always the newest one. */
  async find(fleet: string, request: MetadataRequest): Promise<string | null> {
    const rows =
      request.role === 'timestamp'
        ? await this.db.query<{ document: string }>(`SELECT document FROM tuf_metadata WHERE fleet = $1 AND role = 'timestamp' ORDER BY version DESC LIMIT 1`, [fleet])
        : await this.db.query<{ document: string }>(`SELECT document FROM tuf_metadata WHERE fleet = $1 AND role = $2 AND version = $3`, [fleet, request.role, request.version]);
    return rows[0]?.document ?? null;
  }
}
