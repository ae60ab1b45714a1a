import { eventStreams, projectionHandlers, type Projection } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import type { Database, Migration } from '@keelson/postgres';

/**
 * The `device_reachability` read model: the gateway's latest `DeviceReachabilityChanged` per
 * device, with the device event's sequence, and whether the device was decommissioned. A device
 * with no row was never reported silent nor retired.
 */
export const deviceReachabilityProjection: Projection<DeviceEvent> = {
  name: 'orchestrator-device-reachability',
  stream: eventStreams.gateway,
  filterSubjects: ['ev.device.>'],
  parse: parseDeviceEvent,
  ...projectionHandlers<DeviceEvent>({
    async DeviceDecommissioned(sql, { event, seq }) {
      await sql.query(
        `INSERT INTO device_reachability (fleet, device_id, reachable, last_seq, decommissioned) VALUES ($1, $2, true, $3, true)
         ON CONFLICT (fleet, device_id) DO UPDATE SET decommissioned = true`,
        [event.data.fleet, event.data.deviceId, seq],
      );
    },
    async DeviceReachabilityChanged(sql, { event, seq }) {
      const { fleet, deviceId, reachable } = event.data;
      await sql.query(
        `INSERT INTO device_reachability (fleet, device_id, reachable, last_seq) VALUES ($1, $2, $3, $4)
         ON CONFLICT (fleet, device_id) DO UPDATE SET reachable = EXCLUDED.reachable, last_seq = EXCLUDED.last_seq
         WHERE device_reachability.last_seq < EXCLUDED.last_seq`,
        [fleet, deviceId, reachable, seq],
      );
    },
  }),
};

export const deviceReachabilityMigrations: Migration[] = [
  {
    id: 'rollout-orchestrator-0101-device-reachability',
    sql: `CREATE TABLE IF NOT EXISTS device_reachability (
      fleet text NOT NULL,
      device_id text NOT NULL,
      reachable boolean NOT NULL,
      last_seq bigint NOT NULL,
      PRIMARY KEY (fleet, device_id)
    )`,
  },
  {
    id: 'rollout-orchestrator-0102-device-decommissioned',
    sql: 'ALTER TABLE device_reachability ADD COLUMN IF NOT EXISTS decommissioned boolean NOT NULL DEFAULT false',
  },
];

/** The devices among `deviceIds` that were decommissioned. */
export async function decommissionedDevices(db: Database, fleet: string, deviceIds: string[]): Promise<string[]> {
  if (deviceIds.length === 0) return [];
  const rows = await db.query<{ device_id: string }>(
    'SELECT device_id FROM device_reachability WHERE fleet = $1 AND device_id = ANY($2::text[]) AND decommissioned',
    [fleet, deviceIds],
  );
  return rows.map((r) => r.device_id);
}

/** The devices among `deviceIds` the gateway last said are unreachable, with that event's sequence. */
export async function silentDevices(db: Database, fleet: string, deviceIds: string[]): Promise<Map<string, number>> {
  if (deviceIds.length === 0) return new Map();
  const rows = await db.query<{ device_id: string; last_seq: string }>(
    'SELECT device_id, last_seq FROM device_reachability WHERE fleet = $1 AND device_id = ANY($2::text[]) AND NOT reachable AND NOT decommissioned',
    [fleet, deviceIds],
  );
  return new Map(rows.map((r) => [r.device_id, Number(r.last_seq)]));
}

/** What the gateway last said of each of `deviceIds` not decommissioned: reachable or not, and that event's sequence. */
export async function reachabilityOf(
  db: Database,
  fleet: string,
  deviceIds: string[],
): Promise<Map<string, { reachable: boolean; asOfSeq: number }>> {
  if (deviceIds.length === 0) return new Map();
  const rows = await db.query<{ device_id: string; reachable: boolean; last_seq: string }>(
    'SELECT device_id, reachable, last_seq FROM device_reachability WHERE fleet = $1 AND device_id = ANY($2::text[]) AND NOT decommissioned',
    [fleet, deviceIds],
  );
  return new Map(rows.map((r) => [r.device_id, { reachable: r.reachable, asOfSeq: Number(r.last_seq) }]));
}
