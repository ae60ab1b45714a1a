import { NotFound } from '@keelson/domain-kit';
import type { gateway, ParsedRequestInput } from '@keelson/requests';
import type { InstalledArtifact } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { deviceListCursor, deviceListSql } from './device-list-query.js';
import { deviceColumns, rowOf, type DeviceRecord } from './devices.projection.js';

type DeviceFilters = Pick<
  ParsedRequestInput<typeof gateway.listDevices>,
  'search' | 'status' | 'label' | 'installed' | 'reachable' | 'sort'
>;

type DeviceView = gateway.DeviceView;

function viewOf(r: DeviceRecord): DeviceView {
  const row = rowOf(r);
  return {
    fleet: row.fleet,
    deviceId: row.deviceId,
    name: row.name,
    status: row.status,
    labels: row.labels,
    hardware: row.hardware,
    reachable: row.reachable,
    ...(row.lastSeenAt ? { lastSeenAt: row.lastSeenAt } : {}),
    enrolledAt: row.enrolledAt,
    ...(row.certificateNotAfter ? { certificateExpiresAt: row.certificateNotAfter } : {}),
    installed: r.installed as InstalledArtifact[],
    desiredGeneration: row.desiredGeneration,
    assignments: row.assignments,
  };
}

/** Answers device queries from the `devices` read model. */
export class DeviceViews {
  constructor(private readonly db: Database) {}

  async list(
    fleet: string,
    limit: number,
    cursor?: string,
    filters: DeviceFilters = { sort: 'newest' },
  ): Promise<{ items: DeviceView[]; nextCursor?: string }> {
    const { where, order, params } = deviceListSql(fleet, filters, cursor);
    const rows = await this.db.query<DeviceRecord>(
      `SELECT ${deviceColumns} FROM devices WHERE ${where} ORDER BY ${order} LIMIT $${params.length + 1}`,
      [...params, limit + 1],
    );
    const items = rows.slice(0, limit).map(viewOf);
    return rows.length > limit ? { items, nextCursor: deviceListCursor(filters.sort, rows[limit - 1]!) } : { items };
  }

  /** Active devices per installed artifact version across the fleet, most devices first. */
  async versionCounts(fleet: string): Promise<{ activeDevices: number; withoutArtifacts: number; versions: gateway.VersionCount[] }> {
    const versions = await this.db.query<{ name: string; version: string; devices: string }>(
      `SELECT a->>'name' AS name, a->>'version' AS version, count(*) AS devices FROM devices, jsonb_array_elements(installed) a
       WHERE fleet = $1 AND status = 'active' GROUP BY 1, 2 ORDER BY count(*) DESC, 1, 2 LIMIT 10000`,
      [fleet],
    );
    const [totals] = await this.db.query<{ active: string; bare: string }>(
      `SELECT count(*) AS active, count(*) FILTER (WHERE jsonb_array_length(installed) = 0) AS bare FROM devices WHERE fleet = $1 AND status = 'active'`,
      [fleet],
    );
    return {
      activeDevices: Number(totals?.active ?? 0),
      withoutArtifacts: Number(totals?.bare ?? 0),
      versions: versions.map((v) => ({ ...v, devices: Number(v.devices) })),
    };
  }

  /** By id, or by name (the most recently enrolled active device of that name wins). */
  async get(query: { fleet: string; deviceId: string } | { fleet: string; name: string }): Promise<DeviceView> {
    const rows =
      'deviceId' in query
        ? await this.db.query<DeviceRecord>(`SELECT ${deviceColumns} FROM devices WHERE fleet = $1 AND device_id = $2`, [
            query.fleet,
            query.deviceId,
          ])
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
