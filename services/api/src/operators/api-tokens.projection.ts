import { eventStreams, type Projection } from '@keelson/event-store';
import { parseOperatorEvent, type OperatorEvent } from '@keelson/events';
import type { Migration } from '@keelson/postgres';

export const apiTokensMigrations: Migration[] = [
  {
    id: 'api-tokens-0001',
    sql: `CREATE TABLE IF NOT EXISTS api_tokens (
      token_id text PRIMARY KEY,
      fleet text NOT NULL,
      name text NOT NULL,
      role text NOT NULL,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      created_by text NOT NULL,
      revoked_at timestamptz,
      revoked_by text,
      revoke_reason text,
      created_seq bigint NOT NULL,
      last_seq bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS api_tokens_fleet_seq ON api_tokens (fleet, created_seq DESC)`,
  },
];

/**
 * The `api_tokens` read model behind `GET /v1/tokens`: what each token is and who issued or revoked
 * it, never its digest (authentication reads the token's own events, not this table).
 */
export const apiTokensProjection: Projection<OperatorEvent> = {
  name: 'api-tokens',
  stream: eventStreams.api,
  filterSubjects: ['ev.apitoken.>'],
  parse: parseOperatorEvent,
  async apply(sql, { event, seq, time, meta }) {
    const actor = `${meta.actor.kind}:${meta.actor.id}`;
    switch (event.type) {
      case 'ApiTokenIssued': {
        const { tokenId, fleet, name, role, expiresAt } = event.data;
        await sql.query(
          `INSERT INTO api_tokens (token_id, fleet, name, role, expires_at, created_at, created_by, created_seq, last_seq)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (token_id) DO NOTHING`,
          [tokenId, fleet, name, role, expiresAt, time.toISOString(), actor, seq],
        );
        return;
      }
      case 'ApiTokenRevoked':
        await sql.query(
          `UPDATE api_tokens SET revoked_at = $2, revoked_by = $3, revoke_reason = $4, last_seq = $5 WHERE token_id = $1 AND last_seq < $5`,
          [event.data.tokenId, time.toISOString(), actor, event.data.reason ?? null, seq],
        );
        return;
      default:
        return;
    }
  },
};
