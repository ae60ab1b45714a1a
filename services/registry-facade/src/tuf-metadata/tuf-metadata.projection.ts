import { eventStreams, type Projection } from '@keelson/event-store';
import { parseTufEvent, type TufEvent } from '@keelson/events';
import type { Migration } from '@keelson/postgres';

export const tufMetadataMigrations: Migration[] = [
  {
    id: 'registry-facade-tuf-metadata-0001',
    // `document` is text, not jsonb: it is served exactly as the signer's event carried it.
    sql: `CREATE TABLE IF NOT EXISTS tuf_metadata (
      fleet text NOT NULL,
      role text NOT NULL,
      version integer NOT NULL,
      expires timestamptz NOT NULL,
      document text NOT NULL,
      PRIMARY KEY (fleet, role, version)
    )`,
  },
];

const roleOf = { RootMetadataSigned: 'root', TargetsSigned: 'targets', SnapshotSigned: 'snapshot', TimestampRenewed: 'timestamp' } as const;

/**
 * Every signed TUF metadata of every fleet, fed by the signer's `ev.tuf.>`: the events carry the
 * whole signed document, so the facade can serve a fleet's repository from its own table. A hash
 * bin (`DelegatedTargetsSigned`) is stored under its role name, served as `<N>.<bin>.json`.
 */
export const tufMetadataProjection: Projection<TufEvent> = {
  name: 'registry-tuf-metadata',
  stream: eventStreams.signer,
  filterSubjects: ['ev.tuf.>'],
  parse: parseTufEvent,
  async apply(sql, { event }) {
    if (event.type === 'TufRepositoryInitialised') return;
    const { fleet, version, expires, metadata } = event.data;
    // A version is signed once; a redelivered event finds its row and changes nothing.
    await sql.query(
      `INSERT INTO tuf_metadata (fleet, role, version, expires, document) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (fleet, role, version) DO NOTHING`,
      [fleet, event.type === 'DelegatedTargetsSigned' ? event.data.role : roleOf[event.type], version, expires, JSON.stringify(metadata)],
    );
  },
};
