import type { RecordedEvent } from '@keelson/event-store';
import type { DeviceEvent, DeviceState } from '@keelson/events';
import { migrate, openDatabase, type Database, type Sql } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { credentialsMigrations } from '../credentials/credentials.migrations.js';
import { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import { mintDevicePassword } from '../credentials/device-password.js';
import { assignment } from '../test-fixtures/assignments.js';
import { devicesMigrations, devicesProjection } from './devices.projection.js';

const fleet = 'plant-7';
const at = (minute: number) => `2026-11-22T10:${String(minute).padStart(2, '0')}:00.000Z`;
const enrolled = (deviceId: string): DeviceEvent => ({
  type: 'DeviceEnrolled',
  schemaVersion: 1,
  data: {
    fleet,
    deviceId,
    name: `cam-${deviceId}`,
    certificateSerial: '0a',
    certificateFingerprint: 'a'.repeat(64),
    labels: { line: '7' },
    hardware: { architecture: 'arm64' },
    enrolledWith: 'et-1',
  },
});
const desired = (deviceId: string, generation: number, ...ids: string[]): DeviceEvent => ({
  type: 'DesiredStateChanged',
  schemaVersion: 1,
  data: { fleet, deviceId, generation, assignments: ids.map((id) => assignment(id)) },
});
const reported = (deviceId: string, assignmentId: string, state: DeviceState, minute: number): DeviceEvent => ({
  type: 'DeviceReportedProgress',
  schemaVersion: 2,
  data: { fleet, deviceId, assignmentId, rolloutId: 'r-1', state, reportedAt: at(minute) },
});
const reachability = (deviceId: string, reachable: boolean, minute: number): DeviceEvent => ({
  type: 'DeviceReachabilityChanged',
  schemaVersion: 1,
  data: { fleet, deviceId, reachable, lastSeenAt: at(minute) },
});
const reenrolled: DeviceEvent = {
  type: 'DeviceReenrolled',
  schemaVersion: 1,
  data: {
    fleet,
    deviceId: 'd-1',
    name: 'cam-d-1 (replaced)',
    certificateSerial: '0b',
    certificateFingerprint: 'b'.repeat(64),
    hardware: { memoryMb: 8_000 },
    enrolledWith: 'et-2',
    notAfter: at(50),
  },
};

// Several events per device, a device reporting before it enrolled, last-seen going back in time.
const history: DeviceEvent[] = [
  reported('d-3', 'a-9', 'downloading', 1),
  enrolled('d-1'),
  enrolled('d-2'),
  desired('d-1', 1, 'a-1'),
  reachability('d-1', true, 10),
  reported('d-1', 'a-1', 'downloading', 11),
  reachability('d-1', false, 5),
  reported('d-1', 'a-1', 'applying', 12),
  enrolled('d-3'),
  desired('d-2', 1, 'a-2'),
  reported('d-2', 'a-2', 'failed', 13),
  reenrolled,
  reported('d-1', 'a-1', 'healthy', 14),
  { type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet, deviceId: 'd-2' } },
  desired('d-1', 2, 'a-1', 'a-3'),
  reachability('d-3', true, 20),
];
const recorded: RecordedEvent<DeviceEvent>[] = history.map((event, i) => ({
  event,
  seq: i + 1,
  subject: `ev.device.${fleet}.${event.data.deviceId}`,
  time: new Date(Date.UTC(2026, 10, 22, 9, 0, i + 1)),
  meta: { actor: { kind: 'service', id: 'spec' }, correlationId: 'c', commandId: `cmd-${i + 1}` },
}));
// As a consumer may hand them over: some events again after they were applied (redeliveries).
const delivered = [...recorded.slice(0, 8), recorded[5]!, recorded[2]!, ...recorded.slice(8), recorded[14]!];

function batchesOf<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

describe('the devices projection, a batch at a time, against real PostgreSQL', () => {
  const opened: { tdb: TestDatabase; db: Database }[] = [];
  const freshDatabase = async () => {
    const tdb = await createTestDatabase();
    const db = await openDatabase({ url: tdb.url });
    opened.push({ tdb, db });
    await migrate(db, devicesMigrations);
    await migrate(db, credentialsMigrations);
    return db;
  };
  afterAll(async () => {
    for (const { tdb, db } of opened) {
      await db.close();
      await tdb.drop();
    }
  });
  // Every column; last-seen as ISO text, whatever the driver makes of timestamps.
  const rows = (db: Database) =>
    db.query(`SELECT *, to_char(last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_seen,
      to_char(certificate_not_after AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS certificate_expiry FROM devices ORDER BY device_id`);
  const applyInBatches = async (db: Database, size: number) => {
    for (const batch of batchesOf(delivered, size)) await db.transaction((sql) => devicesProjection.applyBatch!(sql, batch));
  };

  it('leaves the rows applying the events one by one leaves, in batches of any size', async () => {
    const oneByOne = await freshDatabase();
    await applyInBatches(oneByOne, 1);
    const expected = await rows(oneByOne);
    expect(expected).toHaveLength(3);
    expect(expected[0]).toMatchObject({
      device_id: 'd-1',
      name: 'cam-d-1 (replaced)',
      hardware: { memoryMb: 8_000 },
      reachable: false,
      last_seen: at(10),
      certificate_expiry: at(50),
      desired_generation: 2,
      assignments: [{ assignmentId: 'a-1', state: 'healthy' }, { assignmentId: 'a-3' }],
      last_seq: '15',
    });
    expect(expected[1]).toMatchObject({
      device_id: 'd-2',
      status: 'decommissioned',
      assignments: [{ assignmentId: 'a-2', state: 'failed' }],
      certificate_expiry: null,
    });
    for (const size of [2, 3, 7, delivered.length]) {
      const batched = await freshDatabase();
      await applyInBatches(batched, size);
      expect({ size, rows: await rows(batched) }).toEqual({ size, rows: expected });
    }
  });

  it('writes a batch in two statements however many events it holds, a third for its decommissions', async () => {
    const db = await freshDatabase();
    const count = async (batch: RecordedEvent<DeviceEvent>[]) => {
      let statements = 0;
      await db.transaction((sql) => {
        const counted: Sql = { query: (text, params) => (statements++, sql.query(text, params)) };
        return devicesProjection.applyBatch!(counted, batch);
      });
      return statements;
    };
    expect(await count(recorded.slice(0, 13))).toBe(2);
    expect(await count(delivered)).toBe(3);
  });

  it("revokes a decommissioned device's broker credentials in the batch's transaction, once, at the event's time", async () => {
    const db = await freshDatabase();
    const credentials = new DeviceCredentialsStore(db);
    for (const deviceId of ['d-1', 'd-2'])
      await credentials.record({ deviceId, fleet, password: mintDevicePassword().stored, issuedAt: new Date() });
    const revokedAt = async () =>
      Object.fromEntries(
        (
          await db.query<{ device_id: string; revoked_at: Date | null }>(
            'SELECT device_id, revoked_at FROM device_credentials ORDER BY device_id',
          )
        ).map((r) => [r.device_id, r.revoked_at && new Date(r.revoked_at).toISOString()]),
      );
    await expect(
      db.transaction(async (sql) => {
        await devicesProjection.applyBatch!(sql, recorded.slice(8, 15));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await revokedAt()).toEqual({ 'd-1': null, 'd-2': null });
    await applyInBatches(db, 4); // a redelivery of the decommission keeps the first time
    await db.transaction((sql) => devicesProjection.applyBatch!(sql, [{ ...recorded[13]!, time: new Date(Date.UTC(2026, 10, 23)) }]));
    expect(await revokedAt()).toEqual({ 'd-1': null, 'd-2': recorded[13]!.time.toISOString() });
  });

  it('carries what a hello wrote beside the events: hardware, and a later last-seen time', async () => {
    const db = await freshDatabase();
    await db.transaction((sql) => devicesProjection.applyBatch!(sql, recorded.slice(1, 4)));
    await db.query(`UPDATE devices SET hardware = '{"accelerator":"hailo-8"}', last_seen_at = $1 WHERE device_id = 'd-1'`, [at(30)]);
    await db.transaction((sql) => devicesProjection.applyBatch!(sql, recorded.slice(4, 8)));
    expect((await rows(db))[0]).toMatchObject({ hardware: { accelerator: 'hailo-8' }, last_seen: at(30), reachable: false, last_seq: '8' });
  });
});
