import { eventStreams, type Projection } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import type { Migration, Sql } from '@keelson/postgres';
import { evolveDeviceRow, type DeviceRow } from './device-row.js';

export const devicesMigrations: Migration[] = [
  {
    id: 'device-gateway-devices-0001',
    sql: `CREATE TABLE IF NOT EXISTS devices (
      device_id text PRIMARY KEY,
      fleet text NOT NULL,
      name text NOT NULL,
      status text NOT NULL,
      labels jsonb NOT NULL,
      hardware jsonb NOT NULL,
      reachable boolean NOT NULL,
      last_seen_at timestamptz,
      enrolled_at timestamptz NOT NULL,
      enrolled_seq bigint NOT NULL,
      installed jsonb NOT NULL DEFAULT '[]',
      desired_generation integer NOT NULL,
      assignments jsonb NOT NULL,
      last_seq bigint NOT NULL
    );
    CREATE INDEX IF NOT EXISTS devices_fleet_seq ON devices (fleet, enrolled_seq DESC);
    CREATE INDEX IF NOT EXISTS devices_fleet_name ON devices (fleet, name)`,
  },
];

/** The columns a query selects to build a device view or row. */
export const deviceColumns = `device_id, fleet, name, status, labels, hardware, reachable, last_seen_at, enrolled_at, enrolled_seq,
  installed, desired_generation, assignments`;

/** A `devices` row as PostgreSQL returns it. */
export interface DeviceRecord {
  device_id: string;
  fleet: string;
  name: string;
  status: DeviceRow['status'];
  labels: DeviceRow['labels'];
  hardware: DeviceRow['hardware'];
  reachable: boolean;
  last_seen_at: Date | string | null;
  enrolled_at: Date | string;
  enrolled_seq: string;
  installed: unknown[];
  desired_generation: number;
  assignments: DeviceRow['assignments'];
}

// The driver may hand timestamps back as Date or as text, depending on its type parsers.
const isoOf = (t: Date | string | null): string | null => (t === null ? null : new Date(t).toISOString());

export function rowOf(r: DeviceRecord): DeviceRow {
  return {
    fleet: r.fleet, deviceId: r.device_id, name: r.name, status: r.status, labels: r.labels, hardware: r.hardware, reachable: r.reachable,
    lastSeenAt: isoOf(r.last_seen_at), enrolledAt: isoOf(r.enrolled_at)!, enrolledSeq: Number(r.enrolled_seq),
    desiredGeneration: r.desired_generation, assignments: r.assignments,
  };
}

async function writeRow(sql: Sql, row: DeviceRow, seq: number): Promise<void> {
  // Guarded by last_seq: a redelivered event never writes an older row over a newer one. The row
  // was read FOR UPDATE in this transaction, so hardware a hello wrote since is carried, not lost.
  await sql.query(
    `INSERT INTO devices (device_id, fleet, name, status, labels, hardware, reachable, last_seen_at, enrolled_at, enrolled_seq,
                          desired_generation, assignments, last_seq)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (device_id) DO UPDATE SET name = EXCLUDED.name, status = EXCLUDED.status, labels = EXCLUDED.labels,
       hardware = EXCLUDED.hardware, reachable = EXCLUDED.reachable,
       last_seen_at = GREATEST(devices.last_seen_at, EXCLUDED.last_seen_at), desired_generation = EXCLUDED.desired_generation,
       assignments = EXCLUDED.assignments, last_seq = EXCLUDED.last_seq
     WHERE devices.last_seq < EXCLUDED.last_seq`,
    [row.deviceId, row.fleet, row.name, row.status, JSON.stringify(row.labels), JSON.stringify(row.hardware), row.reachable, row.lastSeenAt,
      row.enrolledAt, row.enrolledSeq, row.desiredGeneration, JSON.stringify(row.assignments), seq],
  );
}

/** The `devices` read model: one row per enrolled device, fed by `ev.device.>`. */
export const devicesProjection: Projection<DeviceEvent> = {
  name: 'gateway-devices',
  stream: eventStreams.gateway,
  filterSubjects: ['ev.device.>'],
  parse: parseDeviceEvent,
  async apply(sql, recorded) {
    const { deviceId } = recorded.event.data;
    const current = await sql.query<DeviceRecord>(`SELECT ${deviceColumns} FROM devices WHERE device_id = $1 FOR UPDATE`, [deviceId]);
    const next = evolveDeviceRow(current[0] ? rowOf(current[0]) : null, recorded.event, { seq: recorded.seq, time: recorded.time });
    if (next) await writeRow(sql, next, recorded.seq);
  },
};
