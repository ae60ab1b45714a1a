import { InvalidInput } from '@keelson/domain-kit';
import type { gateway } from '@keelson/commands';
import type { Database } from '@keelson/postgres';

type FindDevices = { fleet: string; names?: string[]; deviceIds?: string[]; limit: number; cursor?: string };

interface ProfileRow extends gateway.DeviceProfile {
  enrolled_seq: string;
}

/**
 * Answers `find-devices` from the `devices` read model: the labels and hardware rollout targeting
 * matches selectors and hardware needs against. Decommissioned devices are never targets.
 */
export class DeviceProfiles {
  constructor(private readonly db: Database) {}

  async find(query: FindDevices): Promise<{ items: gateway.DeviceProfile[]; nextCursor?: string }> {
    if (query.cursor !== undefined && !/^[1-9][0-9]{0,15}$/.test(query.cursor)) {
      throw new InvalidInput('request.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
    }
    const rows = await this.db.query<ProfileRow>(
      `SELECT device_id AS "deviceId", name, labels, hardware, enrolled_seq FROM devices
       WHERE fleet = $1 AND status = 'active'
         AND ($2::text[] IS NULL OR name = ANY($2::text[]) OR device_id = ANY($2::text[]))
         AND ($3::text[] IS NULL OR device_id = ANY($3::text[]))
         AND ($4::bigint IS NULL OR enrolled_seq > $4)
       ORDER BY enrolled_seq LIMIT $5`,
      [query.fleet, query.names ?? null, query.deviceIds ?? null, query.cursor === undefined ? null : Number(query.cursor), query.limit + 1],
    );
    const items = rows.slice(0, query.limit).map(({ deviceId, name, labels, hardware }) => ({ deviceId, name, labels, hardware }));
    return rows.length > query.limit ? { items, nextCursor: rows[query.limit - 1]!.enrolled_seq.toString() } : { items };
  }
}
