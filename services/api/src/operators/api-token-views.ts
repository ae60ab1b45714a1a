import { InvalidInput } from '@keelson/domain-kit';
import type { Database } from '@keelson/postgres';
import type { ApiTokenList, ApiTokenView } from './api-token.schemas.js';

interface ApiTokenRow {
  token_id: string;
  fleet: string;
  name: string;
  role: ApiTokenView['role'];
  expires_at: Date | string;
  created_at: Date | string;
  created_by: string;
  revoked_at: Date | string | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  created_seq: string;
}

// The driver hands timestamps back as Date or as text, depending on how the query ran.
const iso = (t: Date | string): string => new Date(t).toISOString();

function viewOf(row: ApiTokenRow, now: Date): ApiTokenView {
  const status = row.revoked_at ? 'revoked' : Date.parse(iso(row.expires_at)) <= now.getTime() ? 'expired' : 'active';
  return {
    tokenId: row.token_id,
    fleet: row.fleet,
    name: row.name,
    role: row.role,
    status,
    expiresAt: iso(row.expires_at),
    createdAt: iso(row.created_at),
    createdBy: row.created_by,
    ...(row.revoked_at ? { revokedAt: iso(row.revoked_at) } : {}),
    ...(row.revoked_by ? { revokedBy: row.revoked_by } : {}),
    ...(row.revoke_reason ? { revokeReason: row.revoke_reason } : {}),
  };
}

/** Reads the `api_tokens` projection: a fleet's tokens, newest first. */
export class ApiTokenViews {
  constructor(private readonly db: Database) {}

  async list(fleet: string, now: Date, limit = 100, cursor?: string): Promise<ApiTokenList> {
    if (cursor !== undefined && !/^[1-9][0-9]{0,15}$/.test(cursor)) {
      throw new InvalidInput('query.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
    }
    const rows = await this.db.query<ApiTokenRow>(
      `SELECT * FROM api_tokens WHERE fleet = $1 AND ($2::bigint IS NULL OR created_seq < $2) ORDER BY created_seq DESC LIMIT $3`,
      [fleet, cursor === undefined ? null : Number(cursor), limit + 1],
    );
    const items = rows.slice(0, limit).map((row) => viewOf(row, now));
    return rows.length > limit ? { items, nextCursor: rows[limit - 1]!.created_seq.toString() } : { items };
  }
}
