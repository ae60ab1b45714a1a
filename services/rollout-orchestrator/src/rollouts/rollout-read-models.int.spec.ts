import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { InvalidInput } from '@keelson/domain-kit';
import { applyStreams, eventStreams, EventStore, ProjectionRunner, type RecordedEvent } from '@keelson/event-store';
import { parseDeviceEvent, parseRolloutEvent, type DeviceEvent, type DeviceState, type RolloutEvent } from '@keelson/events';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import { eventually } from '../test-fixtures/orchestrator-app.js';
import { aborted, created, fleet, halted, outcome, rolloutId, strategy, waveStarted } from '../test-fixtures/rollout-history.js';
import { deviceProgressProjection } from './device-progress.projection.js';
import { rolloutsMigrations } from './rollouts.migrations.js';
import { rolloutsProjection } from './rollouts.projection.js';
import { Rollouts } from './rollouts.js';
import { orderDevices } from './wave-plan.js';

const two = ['d-00', 'd-01'];
const [first, second] = orderDevices(rolloutId, two) as [string, string];
const s = strategy([[50, 'auto'], [100, 'auto']]);
const withId = <E extends { data: { rolloutId: string } }>(e: E, id: string): E => ({ ...e, data: { ...e.data, rolloutId: id } });

describe('rollout read models against real NATS and PostgreSQL', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  let rolloutStore: EventStore<RolloutEvent>;
  let deviceStore: EventStore<DeviceEvent>;
  let rollouts: Rollouts;
  let runners: ProjectionRunner<never>[];
  let n = 0;
  const meta = () => ({ actor: { kind: 'service' as const, id: 'spec' }, correlationId: 'c', commandId: `cmd-${++n}` });

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.orchestrator, eventStreams.gateway]);
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
    await migrate(db, rolloutsMigrations);
    rolloutStore = new EventStore({ nc, naming, stream: eventStreams.orchestrator, parse: parseRolloutEvent });
    deviceStore = new EventStore({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
    rollouts = new Rollouts(rolloutStore, db);
    runners = [rolloutsProjection, deviceProgressProjection].map((projection) =>
      new ProjectionRunner({ nc, naming, db, projection: projection as never, retryDelayMs: 50 }));
    for (const r of runners) await r.start();
  });
  afterAll(async () => {
    for (const r of runners ?? []) await r.stop();
    await db?.close();
    await nc?.close();
    await tdb?.drop();
  });

  const appendRollout = async (id: string, ...events: RolloutEvent[]) => {
    const subject = rolloutStore.subject('rollout', fleet, id);
    await rolloutStore.append(subject, (await rolloutStore.load(subject)).lastSeq, events.map((e) => withId(e, id)), meta());
  };
  const progress = (deviceId: string, id: string, state: DeviceState, assignmentId = `${id}-${deviceId}`): DeviceEvent => ({
    type: 'DeviceReportedProgress', schemaVersion: 1, data: { fleet, deviceId, assignmentId, rolloutId: id, state, reportedAt: new Date().toISOString() },
  });
  const appendDevice = async (deviceId: string, ...events: DeviceEvent[]) => {
    const subject = deviceStore.subject('device', fleet, deviceId);
    await deviceStore.append(subject, (await deviceStore.load(subject)).lastSeq, events, meta());
  };

  it('lists rollouts newest first, page by page, with recorded outcomes and the latest device reports', async () => {
    await appendRollout('r-aaaaaaaaaaa1', ...created(s, two));
    await appendRollout('r-aaaaaaaaaaa2', ...created(s, two));
    await appendRollout(rolloutId, ...created(s, two), ...waveStarted(0, [first]), outcome(first, 'healthy'), ...waveStarted(1, [second]));
    await appendDevice(second, progress(second, rolloutId, 'downloading'), progress(second, rolloutId, 'verifying'));
    await appendDevice(second, progress(second, rolloutId, 'healthy', `${rolloutId}-${second}-r`)); // a revert's report is not rollout progress

    await eventually(async () => (await rollouts.list(fleet, 10)).items[0]?.devices[1]?.state === 'verifying');
    const page1 = await rollouts.list(fleet, 2);
    expect(page1.items.map((r) => r.rolloutId)).toEqual([rolloutId, 'r-aaaaaaaaaaa2']);
    expect(page1.items[0]).toMatchObject({ status: 'running', currentWave: 1, devices: [{ deviceId: first, state: 'healthy' }, { deviceId: second, state: 'verifying' }] });
    const page2 = await rollouts.list(fleet, 2, page1.nextCursor);
    expect(page2).toEqual({ items: [expect.objectContaining({ rolloutId: 'r-aaaaaaaaaaa1', status: 'running' })] });
    expect((await rollouts.list('plant-8', 10)).items).toEqual([]);
  });

  it('reports a revert like an update: the view shows what the device said about its revert assignment', async () => {
    const id = 'r-aaaaaaaaaaa3';
    await appendRollout(id, ...created(s, two), ...waveStarted(0, [first]), outcome(first, 'healthy'), ...waveStarted(1, [second]), aborted('revert'));
    await appendDevice(first, progress(first, id, 'applying', `${id}-${first}-r`));
    await eventually(async () => (await rollouts.get(fleet, id)).devices[0]?.revert?.state === 'applying');
    expect((await rollouts.get(fleet, id)).devices.map((d) => d.revert)).toEqual([{ state: 'applying' }, { state: 'assigned' }]);
    await eventually(async () => (await rollouts.list(fleet, 10)).items.find((r) => r.rolloutId === id)?.devices[0]?.revert?.state === 'applying');
  });

  it('refuses a cursor it never handed out', async () => {
    await expect(rollouts.list(fleet, 2, 'DROP TABLE')).rejects.toBeInstanceOf(InvalidInput);
  });

  it('ignores an event it applied already, or an older one, when redelivered', async () => {
    const row = async () => (await db.query<{ state: string; last_seq: string }>('SELECT state, last_seq FROM rollout_device_progress WHERE rollout_id = $1 AND device_id = $2', [rolloutId, second]))[0];
    const before = await row();
    const stale: RecordedEvent<DeviceEvent> = { event: progress(second, rolloutId, 'downloading'), seq: Number(before!.last_seq) - 1, subject: 'x', time: new Date(), meta: meta() };
    await db.transaction((sql) => deviceProgressProjection.apply(sql, stale));
    expect(await row()).toEqual(before);

    const rolloutRow = async () => (await db.query<{ state: unknown; last_seq: string }>('SELECT state, last_seq FROM rollouts WHERE rollout_id = $1', [rolloutId]))[0];
    const doc = await rolloutRow();
    const replayed: RecordedEvent<RolloutEvent> = { event: halted('applied before', false), seq: Number(doc!.last_seq), subject: 'x', time: new Date(), meta: meta() };
    await db.transaction((sql) => rolloutsProjection.apply(sql, replayed));
    expect(await rolloutRow()).toEqual(doc);
  });
});
