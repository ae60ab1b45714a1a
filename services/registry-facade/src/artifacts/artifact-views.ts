import { InvalidInput, NotFound, RuleViolation } from '@keelson/domain-kit';
import type { registry } from '@keelson/requests';
import type { ArtifactManifest, ArtifactRef } from '@keelson/events';
import type { Database } from '@keelson/postgres';

type ArtifactView = registry.ArtifactView;

interface ArtifactRecord {
  fleet: string;
  artifact_id: string;
  name: string;
  version: string;
  kind: ArtifactView['kind'];
  status: ArtifactView['status'];
  sha256: string;
  length: string | number;
  target_path: string;
  manifest: ArtifactManifest;
  rejected_reason: string | null;
  received_at: Date | string;
  published_at: Date | string | null;
  received_seq: string | number;
}

const columns = `fleet, artifact_id, name, version, kind, status, sha256, length, target_path, manifest, rejected_reason, received_at, published_at, received_seq`;

// The driver may hand timestamps back as Date or as text, depending on its type parsers.
const iso = (t: Date | string): string => new Date(t).toISOString();

function viewOf(r: ArtifactRecord): ArtifactView {
  return {
    fleet: r.fleet,
    artifactId: r.artifact_id,
    name: r.name,
    version: r.version,
    kind: r.kind,
    status: r.status,
    sha256: r.sha256,
    length: Number(r.length),
    targetPath: r.target_path,
    manifest: r.manifest,
    receivedAt: iso(r.received_at),
    ...(r.rejected_reason ? { rejectedReason: r.rejected_reason } : {}),
    ...(r.published_at ? { publishedAt: iso(r.published_at) } : {}),
  };
}

// The cursor is the ArtifactReceived's stream sequence: unique, stable, and newest-first is its order.
function cursorSeq(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  if (!/^[1-9][0-9]{0,15}$/.test(cursor))
    throw new InvalidInput('request.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
  return Number(cursor);
}

/** Answers artifact queries from the `artifacts` read model. */
export class ArtifactViews {
  constructor(private readonly db: Database) {}

  async get(fleet: string, name: string, version: string): Promise<ArtifactView> {
    const [row] = await this.db.query<ArtifactRecord>(`SELECT ${columns} FROM artifacts WHERE fleet = $1 AND name = $2 AND version = $3`, [
      fleet,
      name,
      version,
    ]);
    if (!row) throw new NotFound('artifact', `${name}@${version}`);
    return viewOf(row);
  }

  /** The reference a rollout binds; only a published (signed) artifact can be delivered to devices. */
  async resolve(fleet: string, name: string, version: string): Promise<ArtifactRef> {
    const view = await this.get(fleet, name, version);
    if (view.status !== 'published')
      throw new RuleViolation('artifact.not-published', `artifact '${name}@${version}' is ${view.status}, not published`);
    return {
      name: view.name,
      version: view.version,
      kind: view.kind,
      targetPath: view.targetPath,
      sha256: view.sha256,
      length: view.length,
    };
  }

  async list(fleet: string, limit: number, cursor?: string, name?: string): Promise<{ items: ArtifactView[]; nextCursor?: string }> {
    const before = cursorSeq(cursor);
    const rows = await this.db.query<ArtifactRecord>(
      `SELECT ${columns} FROM artifacts WHERE fleet = $1 AND ($2::text IS NULL OR name = $2) AND ($3::bigint IS NULL OR received_seq < $3)
       ORDER BY received_seq DESC LIMIT $4`,
      [fleet, name ?? null, before, limit + 1],
    );
    const items = rows.slice(0, limit).map(viewOf);
    return rows.length > limit ? { items, nextCursor: String(rows[limit - 1]!.received_seq) } : { items };
  }

  /** The fleet's deliverable (received or published) artifact at exactly this target path and digest: its length and status. */
  async hasTarget(fleet: string, targetPath: string, sha256: string): Promise<{ length: number; status: 'received' | 'published' } | null> {
    const [row] = await this.db.query<{ length: string | number; status: 'received' | 'published' }>(
      `SELECT length, status FROM artifacts WHERE fleet = $1 AND target_path = $2 AND sha256 = $3 AND status IN ('received', 'published')`,
      [fleet, targetPath, sha256],
    );
    return row ? { length: Number(row.length), status: row.status } : null;
  }
}
