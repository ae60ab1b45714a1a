import { eventStreams, type Projection, type RecordedEvent } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import type { Migration, Sql } from '@keelson/postgres';
import { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import { foldDeviceRows, type StoredDeviceRow } from './device-row-batch.js';
import type { DeviceRow } from './device-row.js';

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
  {
    // list-devices filters at fleet size: label and installed-artifact containment (@>), and the
    // name sort's keyset (name, enrolled_seq) read in index order.
    id: 'device-gateway-devices-0002-list-filters',
    sql: `CREATE INDEX IF NOT EXISTS devices_labels ON devices USING gin (labels jsonb_path_ops);
    CREATE INDEX IF NOT EXISTS devices_installed ON devices USING gin (installed jsonb_path_ops);
    CREATE INDEX IF NOT EXISTS devices_fleet_name_seq ON devices (fleet, name, enrolled_seq)`,
  },
  {
    // when the current certificate expires (enrollment, re-enrollment, renewal); null for rows of older events
    id: 'device-gateway-devices-0003-certificate-not-after',
    sql: 'ALTER TABLE devices ADD COLUMN IF NOT EXISTS certificate_not_after timestamptz',
  },
];

/** The columns a query selects to build a device view or row. */
export const deviceColumns = `device_id, fleet, name, status, labels, hardware, reachable, last_seen_at, enrolled_at, enrolled_seq,
  certificate_not_after, installed, desired_generation, assignments`;

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
  certificate_not_after: Date | string | null;
  installed: unknown[];
  desired_generation: number;
  assignments: DeviceRow['assignments'];
}

// The driver may hand timestamps back as Date or as text, depending on its type parsers.
const isoOf = (t: Date | string | null): string | null => (t === null ? null : new Date(t).toISOString());

export function rowOf(r: DeviceRecord): DeviceRow {
  return {
    fleet: r.fleet,
    deviceId: r.device_id,
    name: r.name,
    status: r.status,
    labels: r.labels,
    hardware: r.hardware,
    reachable: r.reachable,
    lastSeenAt: isoOf(r.last_seen_at),
    enrolledAt: isoOf(r.enrolled_at)!,
    enrolledSeq: Number(r.enrolled_seq),
    certificateNotAfter: isoOf(r.certificate_not_after),
    desiredGeneration: r.desired_generation,
    assignments: r.assignments,
  };
}

const rowColumns = `device_id text, fleet text, name text, status text, labels jsonb, hardware jsonb, reachable boolean, last_seen_at timestamptz,
  enrolled_at timestamptz, enrolled_seq bigint, certificate_not_after timestamptz, desired_generation integer, assignments jsonb, last_seq bigint`;

/** The stored rows of these devices, locked in id order (as the presence store locks them, so the two cannot deadlock). */
async function readRows(sql: Sql, deviceIds: string[]): Promise<Map<string, StoredDeviceRow>> {
  const records = await sql.query<DeviceRecord & { last_seq: string }>(
    `SELECT ${deviceColumns}, last_seq FROM devices WHERE device_id = ANY($1::text[]) ORDER BY device_id FOR UPDATE`,
    [deviceIds],
  );
  return new Map(records.map((r) => [r.device_id, { row: rowOf(r), lastSeq: Number(r.last_seq) }]));
}

async function writeRows(sql: Sql, rows: StoredDeviceRow[]): Promise<void> {
  const records = rows.map(({ row, lastSeq }) => ({
    device_id: row.deviceId,
    fleet: row.fleet,
    name: row.name,
    status: row.status,
    labels: row.labels,
    hardware: row.hardware,
    reachable: row.reachable,
    last_seen_at: row.lastSeenAt,
    enrolled_at: row.enrolledAt,
    enrolled_seq: row.enrolledSeq,
    certificate_not_after: row.certificateNotAfter,
    desired_generation: row.desiredGeneration,
    assignments: row.assignments,
    last_seq: lastSeq,
  }));
  // Guarded by last_seq: a redelivered event never writes an older row over a newer one. The rows
  // were read FOR UPDATE in this transaction, so hardware a hello wrote since is carried, not lost.
  await sql.query(
    `INSERT INTO devices (device_id, fleet, name, status, labels, hardware, reachable, last_seen_at, enrolled_at, enrolled_seq,
                          certificate_not_after, desired_generation, assignments, last_seq)
     SELECT device_id, fleet, name, status, labels, hardware, reachable, last_seen_at, enrolled_at, enrolled_seq,
            certificate_not_after, desired_generation, assignments, last_seq
     FROM jsonb_to_recordset($1::jsonb) AS r(${rowColumns})
     ON CONFLICT (device_id) DO UPDATE SET name = EXCLUDED.name, status = EXCLUDED.status, labels = EXCLUDED.labels,
       hardware = EXCLUDED.hardware, reachable = EXCLUDED.reachable, certificate_not_after = EXCLUDED.certificate_not_after,
       last_seen_at = GREATEST(devices.last_seen_at, EXCLUDED.last_seen_at), desired_generation = EXCLUDED.desired_generation,
       assignments = EXCLUDED.assignments, last_seq = EXCLUDED.last_seq
     WHERE devices.last_seq < EXCLUDED.last_seq`,
    [JSON.stringify(records)],
  );
}

/**
 * Two statements however many events: one read of the rows they touch, one upsert of the rows folded
 * in memory; a third when the batch decommissions devices: their broker credentials are revoked in the
 * same transaction (DESIGN: decommissioning revokes them; the table is `credentialsMigrations`').
 */
async function applyDeviceEvents(sql: Sql, recorded: RecordedEvent<DeviceEvent>[]): Promise<void> {
  const stored = await readRows(sql, [...new Set(recorded.map((r) => r.event.data.deviceId))]);
  const changed = foldDeviceRows(
    stored,
    recorded.map((r) => ({ event: r.event, seq: r.seq, time: r.time })),
  );
  if (changed.size > 0) await writeRows(sql, [...changed.values()]);
  const decommissioned = recorded.filter((r) => r.event.type === 'DeviceDecommissioned');
  if (decommissioned.length)
    await DeviceCredentialsStore.revokeMany(
      sql,
      decommissioned.map((r) => ({ deviceId: r.event.data.deviceId, at: r.time })),
    );
}

/**
 * The `devices` read model: one row per enrolled device, fed by `ev.device.>`, written a batch at a
 * time; it also revokes a decommissioned device's credentials (before 2026-12-06 a projection of its
 * own, `device-credential-revocations`, did: one more consumer that every device event was delivered to).
 */
export const devicesProjection: Projection<DeviceEvent> = {
  name: 'gateway-devices',
  stream: eventStreams.gateway,
  filterSubjects: ['ev.device.>'],
  parse: parseDeviceEvent,
  applyBatch: applyDeviceEvents,
  apply: (sql, event) => applyDeviceEvents(sql, [event]),
};
