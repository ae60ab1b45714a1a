import { NotFound } from '@keelson/domain-kit';
import { InvalidInput } from '@keelson/domain-kit';
import type { gateway } from '@keelson/commands';
import type { InstalledArtifact } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { deviceColumns, rowOf, type DeviceRecord } from './devices.projection.js';

type DeviceView = gateway.DeviceView;

function viewOf(r: DeviceRecord): DeviceView {
  const row = rowOf(r);
  return {
    fleet: row.fleet, deviceId: row.deviceId, name: row.name, status: row.status, labels: row.labels, hardware: row.hardware,
    reachable: row.reachable, ...(row.lastSeenAt ? { lastSeenAt: row.lastSeenAt } : {}), enrolledAt: row.enrolledAt,
    ...(row.certificateNotAfter ? { certificateExpiresAt: row.certificateNotAfter } : {}),
    installed: r.installed as InstalledArtifact[], desiredGeneration: row.desiredGeneration, assignments: row.assignments,
  };
}

// The cursor is the enrollment's stream sequence: unique, stable, and newest-first is its order.
function cursorSeq(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  if (!/^[1-9][0-9]{0,15}$/.test(cursor)) throw new InvalidInput('request.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
  return Number(cursor);
}

/** Answers device queries from the `devices` read model. */
export class DeviceViews {
  constructor(private readonly db: Database) {}

  async list(fleet: string, limit: number, cursor?: string): Promise<{ items: DeviceView[]; nextCursor?: string }> {
    const before = cursorSeq(cursor);
    const rows = await this.db.query<DeviceRecord>(
      `SELECT ${deviceColumns} FROM devices WHERE fleet = $1 AND ($2::bigint IS NULL OR enrolled_seq < $2) ORDER BY enrolled_seq DESC LIMIT $3`,
      [fleet, before, limit + 1],
    );
    const items = rows.slice(0, limit).map(viewOf);
    return rows.length > limit ? { items, nextCursor: rows[limit - 1]!.enrolled_seq.toString() } : { items };
  }

  /** By id, or by name (the most recently enrolled active device of that name wins). */
  async get(query: { fleet: string; deviceId: string } | { fleet: string; name: string }): Promise<DeviceView> {
    const rows = 'deviceId' in query
      ? await this.db.query<DeviceRecord>(`SELECT ${deviceColumns} FROM devices WHERE fleet = $1 AND device_id = $2`, [query.fleet, query.deviceId])
      : await this.db.query<DeviceRecord>(
          `SELECT ${deviceColumns} FROM devices WHERE fleet = $1 AND name = $2 ORDER BY status = 'active' DESC, enrolled_seq DESC LIMIT 1`,
          [query.fleet, query.name],
        );
    if (!rows[0]) throw new NotFound('device', 'deviceId' in query ? query.deviceId : query.name);
    return viewOf(rows[0]);
  }

  /** Active devices of the fleet whose name (or id) is one of `names`. */
  async resolveNames(fleet: string, names: string[]): Promise<{ deviceId: string; name: string }[]> {
    return this.db.query<{ deviceId: string; name: string }>(
      `SELECT device_id AS "deviceId", name FROM devices
       WHERE fleet = $1 AND status = 'active' AND (name = ANY($2::text[]) OR device_id = ANY($2::text[])) ORDER BY enrolled_seq`,
      [fleet, names],
    );
  }
}
