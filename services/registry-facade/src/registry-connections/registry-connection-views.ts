import { InvalidInput } from '@keelson/domain-kit';
import type { registry } from '@keelson/requests';
import type { Database } from '@keelson/postgres';
import type { RegistryConnection } from './domain/registry-connection.decider.js';

type View = registry.RegistryConnectionView;

interface ConnectionRow {
  connection_id: string;
  fleet: string;
  name: string;
  url: string;
  username: string | null;
  credentials_set: boolean;
  ca_fingerprint: string | null;
  allowed_realm_origins: string[];
  connected_at: Date;
  credentials_changed_at: Date | null;
  created_seq: string;
}

const rowView = (r: ConnectionRow): View => ({
  fleet: r.fleet,
  connectionId: r.connection_id,
  name: r.name,
  url: r.url,
  credentialsSet: r.credentials_set,
  allowedRealmOrigins: r.allowed_realm_origins,
  connectedAt: new Date(r.connected_at).toISOString(),
  ...(r.username !== null ? { username: r.username } : {}),
  ...(r.ca_fingerprint !== null ? { caFingerprint: r.ca_fingerprint } : {}),
  ...(r.credentials_changed_at !== null ? { credentialsChangedAt: new Date(r.credentials_changed_at).toISOString() } : {}),
});

/** The operator's view of a connection's state: whether credentials are set, never which. */
export function connectionView(fleet: string, connectionId: string, c: Extract<RegistryConnection, { status: 'connected' }>): View {
  return {
    fleet,
    connectionId,
    name: c.name,
    url: c.url,
    credentialsSet: c.credentialsId !== undefined,
    allowedRealmOrigins: c.allowedRealmOrigins,
    connectedAt: c.at,
    ...(c.username !== undefined ? { username: c.username } : {}),
    ...(c.caFingerprint !== undefined ? { caFingerprint: c.caFingerprint } : {}),
    ...(c.credentialsChangedAt !== undefined ? { credentialsChangedAt: c.credentialsChangedAt } : {}),
  };
}

/** Lists a fleet's connections from the `registry_connections` read model, newest first. */
export class RegistryConnectionViews {
  constructor(private readonly db: Database) {}

  async list(fleet: string, limit: number, cursor?: string): Promise<{ items: View[]; nextCursor?: string }> {
    if (cursor !== undefined && !/^[1-9][0-9]{0,15}$/.test(cursor)) {
      throw new InvalidInput('request.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
    }
    const rows = await this.db.query<ConnectionRow>(
      `SELECT * FROM registry_connections WHERE fleet = $1 AND ($2::bigint IS NULL OR created_seq < $2) ORDER BY created_seq DESC LIMIT $3`,
      [fleet, cursor === undefined ? null : Number(cursor), limit + 1],
    );
    const items = rows.slice(0, limit).map(rowView);
    return rows.length > limit ? { items, nextCursor: rows[limit - 1]!.created_seq.toString() } : { items };
  }
}
