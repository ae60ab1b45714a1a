import type { RecordedEvent } from '@keelson/event-store';
import type { DeviceEvent, DeviceState } from '@keelson/events';
import { migrate, openDatabase, type Database, type Sql } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { deviceProgressProjection } from './device-progress.projection.js';
import { rolloutsMigrations } from './rollouts.migrations.js';
import { installAssignmentId, revertAssignmentId } from '../domain/wave-plan.js';

const fleet = 'plant-7';
type Assignment = 'install' | 'revert' | 'other';
const report = (rolloutId: string, deviceId: string, state: DeviceState, of: Assignment = 'install'): DeviceEvent => {
  const ids = {
    install: installAssignmentId(rolloutId, deviceId),
    revert: revertAssignmentId(rolloutId, deviceId),
    other: 'a-someone-else',
  };
  return {
    type: 'DeviceReportedProgress',
    schemaVersion: 2,
    data: {
      fleet,
      deviceId,
      rolloutId,
      assignmentId: ids[of],
      state,
      reportedAt: new Date().toISOString(),
      ...(state === 'failed' ? { reason: 'probe failed' } : {}),
    },
  };
};

// Several reports per device and rollout, reverts beside installs, reports about other assignments
// and events that are not reports.
const history: DeviceEvent[] = [
  report('r-1', 'd-1', 'downloading'),
  report('r-1', 'd-2', 'downloading'),
  report('r-1', 'd-1', 'verifying'),
  {
    type: 'DeviceReachabilityChanged',
    schemaVersion: 1,
    data: { fleet, deviceId: 'd-1', reachable: true, lastSeenAt: new Date().toISOString() },
  },
  report('r-1', 'd-1', 'applying'),
  report('r-1', 'd-2', 'failed'),
  report('r-2', 'd-1', 'downloading'),
  report('r-1', 'd-2', 'applying', 'revert'),
  report('r-1', 'd-1', 'healthy'),
  report('r-1', 'd-3', 'healthy', 'other'),
  report('r-1', 'd-2', 'healthy', 'revert'),
  report('r-2', 'd-1', 'verifying'),
];
const recorded: RecordedEvent<DeviceEvent>[] = history.map((event, i) => ({
  event,
  seq: i + 1,
  subject: `ev.device.${fleet}.${event.data.deviceId}`,
  time: new Date(),
  meta: { actor: { kind: 'service', id: 'spec' }, correlationId: 'c', commandId: `cmd-${i + 1}` },
}));
// As a consumer may hand them over: some reports again after they were applied (redeliveries).
const delivered = [...recorded.slice(0, 6), recorded[2]!, recorded[0]!, ...recorded.slice(6), recorded[7]!, recorded[4]!];

function batchesOf<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

describe('the device progress projection, a batch at a time, against real PostgreSQL', () => {
  const opened: { tdb: TestDatabase; db: Database }[] = [];
  const freshDatabase = async () => {
    const tdb = await createTestDatabase();
    const db = await openDatabase({ url: tdb.url });
    opened.push({ tdb, db });
    await migrate(db, rolloutsMigrations);
    return db;
  };
  afterAll(async () => {
    for (const { tdb, db } of opened) {
      await db.close();
      await tdb.drop();
    }
  });
  const rows = async (db: Database) => ({
    progress: await db.query('SELECT * FROM rollout_device_progress ORDER BY rollout_id, device_id'),
    reverts: await db.query('SELECT * FROM rollout_device_reverts ORDER BY rollout_id, device_id'),
  });
  const applyInBatches = async (db: Database, size: number) => {
    for (const batch of batchesOf(delivered, size)) await db.transaction((sql) => deviceProgressProjection.applyBatch!(sql, batch));
  };

  it('leaves the rows applying the reports one by one leaves, in batches of any size', async () => {
    const oneByOne = await freshDatabase();
    await applyInBatches(oneByOne, 1);
    const expected = await rows(oneByOne);
    expect(expected.progress.map((r) => [r.rollout_id, r.device_id, r.state, r.reason, r.last_seq])).toEqual([
      ['r-1', 'd-1', 'healthy', null, '9'],
      ['r-1', 'd-2', 'failed', 'probe failed', '6'],
      ['r-2', 'd-1', 'verifying', null, '12'],
    ]);
    expect(expected.reverts.map((r) => [r.rollout_id, r.device_id, r.state, r.last_seq])).toEqual([['r-1', 'd-2', 'healthy', '11']]);
    for (const size of [2, 3, 5, delivered.length]) {
      const batched = await freshDatabase();
      await applyInBatches(batched, size);
      expect({ size, rows: await rows(batched) }).toEqual({ size, rows: expected });
    }
  });

  it('writes a batch in one statement per table it touches, however many reports it holds', async () => {
    const db = await freshDatabase();
    const statementsFor = async (events: RecordedEvent<DeviceEvent>[]) => {
      let statements = 0;
      await db.transaction((sql) => {
        const counted: Sql = { query: (text, params) => (statements++, sql.query(text, params)) };
        return deviceProgressProjection.applyBatch!(counted, events);
      });
      return statements;
    };
    expect(await statementsFor(recorded.slice(0, 7))).toBe(1); // installs only
    expect(await statementsFor(delivered)).toBe(2); // installs and reverts
  });
});
