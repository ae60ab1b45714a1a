import type { Database } from '@keelson/postgres';
import type { TufMetadataMemory } from './tuf-metadata.memory.js';
import { tufMetadataProjection } from './tuf-metadata.projection.js';

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

// The projection's checkpoint in the same statement (one snapshot): how far the answer reaches in the signer's stream.
const applied = `(SELECT last_seq FROM projection_checkpoints WHERE projection = $2) AS applied`;
const latestTimestamp = `SELECT (SELECT document FROM tuf_metadata WHERE fleet = $1 AND role = 'timestamp' ORDER BY version DESC LIMIT 1) AS document, ${applied}`;
const atVersion = `SELECT (SELECT document FROM tuf_metadata WHERE fleet = $1 AND role = $3 AND version = $4) AS document, ${applied}`;

/** Reads the signed metadata documents the TUF projection stored, from memory when it holds them (see TufMetadataMemory). */
export class TufMetadataStore {
  constructor(
    private readonly db: Database,
    private readonly memory: TufMetadataMemory,
  ) {}

  /** The document as signed (its UTF-8 bytes), or null; the timestamp is always the newest one. */
  async find(fleet: string, request: MetadataRequest): Promise<Buffer | null> {
    const known = this.memory.recall(fleet, request);
    if (known) return known.document;
    const [row] = !('version' in request)
      ? await this.db.query<Answer>(latestTimestamp, [fleet, tufMetadataProjection.name])
      : await this.db.query<Answer>(atVersion, [fleet, tufMetadataProjection.name, request.role, request.version]);
    const document = typeof row?.document === 'string' ? Buffer.from(row.document) : null;
    this.memory.remember(fleet, request, document, Number(row?.applied ?? 0));
    return document;
  }
}

interface Answer {
  document: string | null;
  applied: string | number | null;
}
