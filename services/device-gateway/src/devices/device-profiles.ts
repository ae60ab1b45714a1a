import { InvalidInput } from '@keelson/domain-kit';
import { gateway } from '@keelson/commands';
import type { Database } from '@keelson/postgres';

type FindDevices = { fleet: string; names?: string[]; deviceIds?: string[]; limit: number; cursor?: string; pageCursors?: boolean };

interface ProfileRow extends gateway.DeviceProfile {
  enrolled_seq: string;
}

// The devices a query pages through: the active ones of the fleet, maybe by name or id, after the cursor.
const matching = `FROM devices
       WHERE fleet = $1 AND status = 'active'
         AND ($2::text[] IS NULL OR name = ANY($2::text[]) OR device_id = ANY($2::text[]))
         AND ($3::text[] IS NULL OR device_id = ANY($3::text[]))
         AND ($4::bigint IS NULL OR enrolled_seq > $4)`;

/**
 * Answers `find-devices` from the `devices` read model: the labels and hardware rollout targeting
 * matches selectors and hardware needs against. Decommissioned devices are never targets.
 */
export class DeviceProfiles {
  constructor(private readonly db: Database) {}

  async find(query: FindDevices): Promise<{ items: gateway.DeviceProfile[]; nextCursor?: string; pageCursors?: string[] }> {
    if (query.cursor !== undefined && !/^[1-9][0-9]{0,15}$/.test(query.cursor)) {
      throw new InvalidInput('request.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
    }
    const params = [query.fleet, query.names ?? null, query.deviceIds ?? null, query.cursor === undefined ? null : Number(query.cursor), query.limit];
    const [rows, pageCursors] = await Promise.all([
      this.db.query<ProfileRow>(
        `SELECT device_id AS "deviceId", name, labels, hardware, enrolled_seq ${matching} ORDER BY enrolled_seq LIMIT $5::int + 1`,
        params,
      ),
      query.pageCursors ? this.pageCursors(params) : undefined,
    ]);
    const items = rows.slice(0, query.limit).map(({ deviceId, name, labels, hardware }) => ({ deviceId, name, labels, hardware }));
    if (rows.length <= query.limit) return { items };
    const nextCursor = rows[query.limit - 1]!.enrolled_seq.toString();
    return pageCursors ? { items, nextCursor, pageCursors } : { items, nextCursor };
  }

  /**
   * Where each page after this one starts: the sequence of every `limit`-th device, as long as a
   * device follows it (the last page ends the list). Read from the index of enrollment order, ids only.
   */
  private async pageCursors(params: unknown[]): Promise<string[]> {
    const rows = await this.db.query<{ enrolled_seq: string }>(
      `SELECT enrolled_seq FROM (
         SELECT enrolled_seq, row_number() OVER (ORDER BY enrolled_seq) AS n, count(*) OVER () AS total
         FROM (SELECT enrolled_seq ${matching} ORDER BY enrolled_seq LIMIT $5::int * $6::int + 1) AS head
       ) AS numbered WHERE n % $5::int = 0 AND n < total ORDER BY enrolled_seq`,
      [...params, gateway.maxPageCursors],
    );
    return rows.map((r) => r.enrolled_seq.toString());
  }
}
