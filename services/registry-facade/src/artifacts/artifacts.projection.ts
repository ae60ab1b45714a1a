import { eventStreams, type Projection } from '@keelson/event-store';
import { parseArtifactEvent, type ArtifactEvent } from '@keelson/events';
import type { Migration } from '@keelson/postgres';

export const artifactsMigrations: Migration[] = [
  {
    id: 'registry-facade-artifacts-0001',
    sql: `CREATE TABLE IF NOT EXISTS artifacts (
      fleet text NOT NULL,
      artifact_id text NOT NULL,
      name text NOT NULL,
      version text NOT NULL,
      kind text NOT NULL,
      status text NOT NULL,
      sha256 text NOT NULL,
      length bigint NOT NULL,
      target_path text NOT NULL,
      content_type text,
      manifest jsonb NOT NULL,
      rejected_reason text,
      received_at timestamptz NOT NULL,
      published_at timestamptz,
      received_seq bigint NOT NULL,
      PRIMARY KEY (fleet, artifact_id)
    );
    CREATE UNIQUE INDEX IF NOT EXISTS artifacts_fleet_name_version ON artifacts (fleet, name, version);
    CREATE INDEX IF NOT EXISTS artifacts_fleet_seq ON artifacts (fleet, received_seq DESC);
    CREATE INDEX IF NOT EXISTS artifacts_fleet_target ON artifacts (fleet, target_path)`,
  },
];

/** The `artifacts` read model: one row per artifact, fed by `ev.artifact.>`. */
export const artifactsProjection: Projection<ArtifactEvent> = {
  name: 'registry-artifacts',
  stream: eventStreams.registry,
  filterSubjects: ['ev.artifact.>'],
  parse: parseArtifactEvent,
  async apply(sql, { event, seq, time }) {
    switch (event.type) {
      case 'ArtifactReceived': {
        const d = event.data;
        await sql.query(
          `INSERT INTO artifacts (fleet, artifact_id, name, version, kind, status, sha256, length, target_path, content_type, manifest, received_at, received_seq)
           VALUES ($1, $2, $3, $4, $5, 'received', $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
          [
            d.fleet,
            d.artifactId,
            d.name,
            d.version,
            d.kind,
            d.sha256,
            d.length,
            d.targetPath,
            d.contentType ?? null,
            JSON.stringify(d.manifest),
            time,
            seq,
          ],
        );
        return;
      }
      case 'ArtifactPublished':
        await sql.query(
          `UPDATE artifacts SET status = 'published', published_at = $3 WHERE fleet = $1 AND artifact_id = $2 AND status = 'received'`,
          [event.data.fleet, event.data.artifactId, time],
        );
        return;
      case 'ArtifactRejected':
        await sql.query(
          `UPDATE artifacts SET status = 'rejected', rejected_reason = $3 WHERE fleet = $1 AND artifact_id = $2 AND status = 'received'`,
          [event.data.fleet, event.data.artifactId, event.data.reason],
        );
        return;
    }
  },
};
