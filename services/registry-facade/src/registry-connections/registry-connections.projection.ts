import { eventStreams, type Projection } from '@keelson/event-store';
import {
  MessageRegistry,
  registryConnectionEvents,
  registryEvents,
  type RegistryConnectionEvent,
  type RegistryEvent,
} from '@keelson/events';
import type { Migration } from '@keelson/postgres';

export const registryConnectionsMigrations: Migration[] = [
  {
    id: 'registry-facade-registry-connections-0001',
    sql: `CREATE TABLE IF NOT EXISTS registry_connections (
      connection_id text PRIMARY KEY,
      fleet text NOT NULL,
      name text NOT NULL,
      url text NOT NULL,
      username text,
      credentials_set boolean NOT NULL,
      ca_fingerprint text,
      allowed_realm_origins jsonb NOT NULL,
      connected_at timestamptz NOT NULL,
      credentials_changed_at timestamptz,
      created_seq bigint NOT NULL,
      last_seq bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS registry_connections_fleet_seq ON registry_connections (fleet, created_seq DESC);
    -- Not a read model: sealed credentials, written by the facade's commands only, named from events by id.
    CREATE TABLE IF NOT EXISTS registry_credentials (
      credentials_id text PRIMARY KEY,
      fleet text NOT NULL,
      connection_id text NOT NULL,
      sealed text NOT NULL
    );
    CREATE INDEX IF NOT EXISTS registry_credentials_connection ON registry_credentials (connection_id)`,
  },
];

// ev.registry.> also holds each fleet's device-access log (`…device-refusals`): read both families, apply connections only.
const registrySubjectEvents = new MessageRegistry<RegistryConnectionEvent | RegistryEvent>([
  ...registryConnectionEvents.readers,
  ...registryEvents.readers,
]);

/** The `registry_connections` read model: live connections only, with whether credentials are set (never what they are). */
export const registryConnectionsProjection: Projection<RegistryConnectionEvent | RegistryEvent> = {
  name: 'registry-connections',
  stream: eventStreams.registry,
  filterSubjects: ['ev.registry.>'],
  parse: (raw) => registrySubjectEvents.parse(raw),
  async apply(sql, { event, seq }) {
    switch (event.type) {
      case 'RegistryConnected': {
        const d = event.data;
        await sql.query(
          `INSERT INTO registry_connections (connection_id, fleet, name, url, username, credentials_set, ca_fingerprint, allowed_realm_origins, connected_at,
             credentials_changed_at, created_seq, last_seq)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $10)
           ON CONFLICT (connection_id) DO UPDATE SET name = EXCLUDED.name, url = EXCLUDED.url, username = EXCLUDED.username,
             credentials_set = EXCLUDED.credentials_set, ca_fingerprint = EXCLUDED.ca_fingerprint, allowed_realm_origins = EXCLUDED.allowed_realm_origins,
             connected_at = EXCLUDED.connected_at, credentials_changed_at = NULL, created_seq = EXCLUDED.created_seq, last_seq = EXCLUDED.last_seq
           WHERE registry_connections.last_seq < EXCLUDED.last_seq`,
          [
            d.connectionId,
            d.fleet,
            d.name,
            d.url,
            d.username ?? null,
            d.credentialsId !== undefined,
            d.caFingerprint ?? null,
            JSON.stringify(d.allowedRealmOrigins),
            d.at,
            seq,
          ],
        );
        return;
      }
      case 'RegistryCredentialsRotated': {
        const d = event.data;
        await sql.query(
          `UPDATE registry_connections SET username = $2, credentials_set = $3, credentials_changed_at = $4, last_seq = $5 WHERE connection_id = $1 AND last_seq < $5`,
          [d.connectionId, d.username ?? null, d.credentialsId !== undefined, d.at, seq],
        );
        return;
      }
      case 'RegistryRemoved':
        await sql.query('DELETE FROM registry_connections WHERE connection_id = $1 AND last_seq < $2', [event.data.connectionId, seq]);
        return;
      default: // a device-access refusal: not a connection's
    }
  },
};
