import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { DomainError, InvalidInput } from '@keelson/domain-kit';
import { isDeepStrictEqual as isEqual } from 'node:util';
import { applyStreams, eventStreams, EventStore, ProjectionRunner, type RecordedEvent } from '@keelson/event-store';
import { parseDeviceEvent, parseRolloutEvent, type DeviceEvent, type DeviceState, type RolloutEvent } from '@keelson/events';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, eventually, testNamespace, type TestDatabase } from '@keelson/testing';
import {
  aborted,
  created,
  createdV1,
  finished,
  fleet,
  halted,
  outcome,
  rolloutId,
  strategy,
  waveStarted,
  waveStartedV1,
} from '../../test-fixtures/rollout-history.js';
import { deviceProgressProjection } from './device-progress.projection.js';
import { rolloutsMigrations } from './rollouts.migrations.js';
import { rolloutsProjection } from './rollouts.projection.js';
import { assignedDevices, rolloutDecider } from '../domain/rollout.decider.js';
import { RandomRolloutCommands, seeded } from '../../test-fixtures/random-rollout-commands.js';
import { Rollouts } from '../rollouts.js';
import { RolloutViews } from './rollout-views.js';
import { orderDevices } from '../domain/wave-plan.js';

const two = ['d-00', 'd-01'];
const [first, second] = orderDevices(rolloutId, two) as [string, string];
const s = strategy([
  [50, 'auto'],
  [100, 'auto'],
]);
const withId = <E extends { data: { rolloutId: string } }>(e: E, id: string): E => ({ ...e, data: { ...e.data, rolloutId: id } });

describe('rollout read models against real NATS and PostgreSQL', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  let rolloutStore: EventStore<RolloutEvent>;
  let deviceStore: EventStore<DeviceEvent>;
  let views: RolloutViews;
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
    views = new RolloutViews(new Rollouts(rolloutStore), db);
    runners = [rolloutsProjection, deviceProgressProjection].map(
      (projection) => new ProjectionRunner({ nc, naming, db, projection: projection as never, retryDelayMs: 50 }),
    );
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
    await rolloutStore.append(
      subject,
      (await rolloutStore.load(subject)).lastSeq,
      events.map((e) => withId(e, id)),
      meta(),
    );
  };
  const progress = (deviceId: string, id: string, state: DeviceState, assignmentId = `${id}-${deviceId}`): DeviceEvent => ({
    type: 'DeviceReportedProgress',
    schemaVersion: 2,
    data: { fleet, deviceId, assignmentId, rolloutId: id, state, reportedAt: new Date().toISOString() },
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

    await eventually(async () => (await views.list(fleet, 10)).items[0]?.devices[1]?.state === 'verifying');
    const page1 = await views.list(fleet, 2);
    expect(page1.items.map((r) => r.rolloutId)).toEqual([rolloutId, 'r-aaaaaaaaaaa2']);
    expect(page1.items[0]).toMatchObject({
      status: 'running',
      currentWave: 1,
      devices: [
        { deviceId: first, state: 'healthy' },
        { deviceId: second, state: 'verifying' },
      ],
    });
    const page2 = await views.list(fleet, 2, page1.nextCursor);
    expect(page2).toEqual({ items: [expect.objectContaining({ rolloutId: 'r-aaaaaaaaaaa1', status: 'running' })] });
    expect((await views.list('plant-8', 10)).items).toEqual([]);
  });

  it('lists only the rollouts in one status, a finished one by its outcome', async () => {
    const [stopped, good, bad] = ['r-status-halt1', 'r-status-good', 'r-status-bad1'];
    await appendRollout(stopped, ...created(s, two), ...waveStarted(0, [first]), halted('too many failures', true));
    await appendRollout(good, ...created(s, two), ...waveStarted(0, [first]), outcome(first, 'healthy'), finished('succeeded'));
    await appendRollout(bad, ...created(s, two), ...waveStarted(0, [first]), outcome(first, 'failed'), finished('failed'));
    const ids = async (status: 'halted' | 'succeeded' | 'failed' | 'running') => {
      const { items } = await views.list(fleet, 100, undefined, status);
      expect(items.every((r) => r.status === status)).toBe(true);
      return items.map((r) => r.rolloutId);
    };
    await eventually(async () => (await ids('failed')).includes(bad));
    expect(await ids('halted')).toContain(stopped);
    expect(await ids('succeeded')).toEqual(expect.arrayContaining([good]));
    expect(await ids('succeeded')).not.toContain(bad);
    expect(await ids('running')).not.toEqual(expect.arrayContaining([stopped]));
    expect((await views.list(fleet, 1, undefined, 'halted')).items.map((r) => r.rolloutId)).toEqual([stopped]);
  });

  it('reports a revert like an update: the view shows what the device said about its revert assignment', async () => {
    const id = 'r-aaaaaaaaaaa3';
    await appendRollout(
      id,
      ...created(s, two),
      ...waveStarted(0, [first]),
      outcome(first, 'healthy'),
      ...waveStarted(1, [second]),
      aborted('revert'),
    );
    await appendDevice(first, progress(first, id, 'applying', `${id}-${first}-r`));
    await eventually(async () => (await views.get(fleet, id)).devices[0]?.revert?.state === 'applying');
    expect((await views.get(fleet, id)).devices.map((d) => d.revert)).toEqual([{ state: 'applying' }, { state: 'assigned' }]);
    await eventually(
      async () => (await views.list(fleet, 10)).items.find((r) => r.rolloutId === id)?.devices[0]?.revert?.state === 'applying',
    );
  });

  it('shows a rollout stored as version-1 events (ids inline) as it shows the same rollout in chunks', async () => {
    const [v1, chunked] = ['r-aaaaaaaaaaa4', 'r-aaaaaaaaaaa5'];
    const oldShape = [createdV1(s, two), waveStartedV1(0, [first]), outcome(first, 'healthy'), waveStartedV1(1, [second])].map(
      parseRolloutEvent,
    );
    await appendRollout(v1, ...oldShape);
    await appendRollout(chunked, ...created(s, two), ...waveStarted(0, [first]), outcome(first, 'healthy'), ...waveStarted(1, [second]));
    const listed = async () => (await views.list(fleet, 10)).items.filter((r) => r.rolloutId === v1 || r.rolloutId === chunked);
    await eventually(async () => (await listed()).every((r) => r.currentWave === 1) && (await listed()).length === 2);
    const [a, b] = (await listed()).map(({ rolloutId: _, ...view }) => view);
    expect(a).toEqual(b);
    expect(await views.activeRolloutsOf(fleet, second)).toEqual(expect.arrayContaining([v1, chunked]));
  });

  it("writes a rollout's summary at the same size for 3000 devices as for 1000, and one row per device", async () => {
    const devices = (n: number) => Array.from({ length: n }, (_, i) => `device-${String(i).padStart(5, '0')}-${'x'.repeat(40)}`);
    const summaryBytes = async (id: string) =>
      (
        await db.query<{ bytes: number }>('SELECT octet_length(summary::text) AS bytes FROM rollout_summaries WHERE rollout_id = $1', [id])
      )[0]?.bytes;
    const assigned = async (id: string) =>
      (await db.query("SELECT 1 FROM rollout_targets WHERE rollout_id = $1 AND record ? 'clock'", [id])).length;
    for (const [id, n] of [
      ['r-aaaaaaaaaaa6', 3000],
      ['r-aaaaaaaaaaa7', 1000],
    ] as const) {
      await appendRollout(id, ...created(s, devices(n)), ...waveStarted(0, orderDevices(rolloutId, devices(n)).slice(0, n / 2)));
      await eventually(async () => (await assigned(id)) === n / 2);
      expect((await db.query('SELECT 1 FROM rollout_targets WHERE rollout_id = $1', [id])).length).toBe(n);
    }
    expect(await summaryBytes('r-aaaaaaaaaaa6')).toBe(await summaryBytes('r-aaaaaaaaaaa7'));
  });

  it('shows what the aggregate shows, over random histories (exclusions, timeouts, reachability, resumes, aborts)', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const id = `r-random-${seed}`;
      const random = seeded(seed);
      const commands = new RandomRolloutCommands(random, 12);
      let state = rolloutDecider.initialState();
      for (const command of [commands.create(commands.strategy()), ...Array.from({ length: 60 }, () => undefined)]) {
        const next = command ?? commands.next(state.status === 'absent' ? [] : assignedDevices(state.facts));
        let events: RolloutEvent[] = [];
        try {
          events = rolloutDecider.decide(next, state);
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
        }
        if (events.length > 0) await appendRollout(id, ...events);
        state = events.reduce(rolloutDecider.evolve, state);
      }
      const fromStream = await views.get(fleet, id);
      await eventually(async () =>
        isEqual(
          (await views.list(fleet, 50)).items.find((r) => r.rolloutId === id),
          fromStream,
        ),
      );
      expect((await views.list(fleet, 50)).items.find((r) => r.rolloutId === id)).toEqual(fromStream);
    }
  });

  it('refuses a cursor it never handed out', async () => {
    await expect(views.list(fleet, 2, 'DROP TABLE')).rejects.toBeInstanceOf(InvalidInput);
  });

  it('ignores an event it applied already, or an older one, when redelivered', async () => {
    const row = async () =>
      (
        await db.query<{ state: string; last_seq: string }>(
          'SELECT state, last_seq FROM rollout_device_progress WHERE rollout_id = $1 AND device_id = $2',
          [rolloutId, second],
        )
      )[0];
    const before = await row();
    const stale: RecordedEvent<DeviceEvent> = {
      event: progress(second, rolloutId, 'downloading'),
      seq: Number(before!.last_seq) - 1,
      subject: 'x',
      time: new Date(),
      meta: meta(),
    };
    await db.transaction((sql) => deviceProgressProjection.apply(sql, stale));
    expect(await row()).toEqual(before);

    const rolloutRow = async () =>
      (
        await db.query<{ summary: unknown; last_seq: string }>('SELECT summary, last_seq FROM rollout_summaries WHERE rollout_id = $1', [
          rolloutId,
        ])
      )[0];
    const doc = await rolloutRow();
    const replayed: RecordedEvent<RolloutEvent> = {
      event: halted('applied before', false),
      seq: Number(doc!.last_seq),
      subject: 'x',
      time: new Date(),
      meta: meta(),
    };
    await db.transaction((sql) => rolloutsProjection.apply(sql, replayed));
    expect(await rolloutRow()).toEqual(doc);
  });
});
