import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore, ProjectionRunner } from '@keelson/event-store';
import { parseDeviceEvent, parseRolloutEvent, type DeviceEvent, type RolloutEvent } from '@keelson/events';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, eventually, testNamespace, type TestDatabase } from '@keelson/testing';
import { at, createCommand, fleet, strategy } from '../../test-fixtures/rollout-history.js';
import { deviceProgressProjection } from '../read-models/device-progress.projection.js';
import { deviceReachabilityMigrations, deviceReachabilityProjection } from '../read-models/device-reachability.projection.js';
import { rolloutsMigrations } from '../read-models/rollouts.migrations.js';
import { rolloutsProjection } from '../read-models/rollouts.projection.js';
import { assignedDevices } from '../domain/rollout.decider.js';
import { Rollouts } from '../rollouts.js';
import { TimeoutSweep } from './timeout-sweep.js';

describe('the timeout sweep against real NATS and PostgreSQL', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  let store: EventStore<RolloutEvent>;
  let deviceStore: EventStore<DeviceEvent>;
  let runners: ProjectionRunner<never>[];
  let n = 0;
  const meta = () => ({ actor: { kind: 'service' as const, id: 'spec' }, correlationId: 'c', commandId: `sweep-spec-${++n}` });
  const errors: unknown[] = [];
  /** A sweep as a (new) replica runs it, with its own cache and a clock `seconds` after the fixtures' time. */
  const sweepAt = (seconds: number) =>
    new TimeoutSweep({
      rollouts: new Rollouts(store),
      db,
      clock: { now: () => new Date(Date.parse(at) + seconds * 1000) },
      everyMs: 60_000,
      onError: (e) => errors.push(e),
    });

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.orchestrator, eventStreams.gateway]);
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
    await migrate(db, [...rolloutsMigrations, ...deviceReachabilityMigrations]);
    store = new EventStore({ nc, naming, stream: eventStreams.orchestrator, parse: parseRolloutEvent });
    deviceStore = new EventStore({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
    runners = [rolloutsProjection, deviceReachabilityProjection, deviceProgressProjection].map(
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

  const history = async (rolloutId: string) => (await store.load(store.subject('rollout', fleet, rolloutId))).events.map((r) => r.event);
  // Each rollout gets devices of its own: a device one test left silent or decommissioned in the
  // shared read model must not be noted by the next test's sweep (it made the last test flaky).
  const createListed = async (
    rolloutId: string,
    s = {
      ...strategy(
        [
          [10, 'auto'],
          [100, 'auto'],
        ],
        5,
      ),
      deviceTimeoutSeconds: 600,
    },
  ) => {
    const devices = Array.from({ length: 10 }, (_, i) => `${rolloutId}-d${i}`);
    const { state } = await new Rollouts(store).execute({ ...createCommand(s, devices), rolloutId }, meta());
    await eventually(async () => (await db.query('SELECT 1 FROM rollout_summaries WHERE rollout_id = $1', [rolloutId])).length === 1);
    return assignedDevices(state.facts)[0]!;
  };

  it('times a device out once its deadline passed, once, even with two replicas sweeping after a restart', async () => {
    const rolloutId = 'r-sweeptimeout';
    const canary = await createListed(rolloutId);
    await sweepAt(599).sweep();
    expect((await history(rolloutId)).map((e) => e.type)).not.toContain('DeviceTimedOut');

    await Promise.all([sweepAt(601).sweep(), sweepAt(602).sweep()]);
    const events = await history(rolloutId);
    expect(events.filter((e) => e.type === 'DeviceTimedOut')).toEqual([
      {
        type: 'DeviceTimedOut',
        schemaVersion: 1,
        data: expect.objectContaining({ deviceId: canary, deadline: new Date(Date.parse(at) + 600_000).toISOString() }),
      },
    ]);
    // the halt rule tolerates 5: the timed-out canary does not hold the next wave back
    expect(events.slice(-2)).toMatchObject([
      { type: 'WaveStarted', data: { wave: 1 } },
      { type: 'DevicesAssigned', data: { wave: 1 } },
    ]);
    expect(errors).toEqual([]);
  });

  it('notes a device the gateway reported silent before it was assigned, so it blocks no wave and does not time out', async () => {
    const rolloutId = 'r-sweepsilent';
    const canary = await createListed(rolloutId);
    const subject = deviceStore.subject('device', fleet, canary);
    const silent: DeviceEvent = {
      type: 'DeviceReachabilityChanged',
      schemaVersion: 1,
      data: { fleet, deviceId: canary, reachable: false, lastSeenAt: at },
    };
    const appended = await deviceStore.append(subject, (await deviceStore.load(subject)).lastSeq, [silent], meta());
    expect(appended?.lastSeq).toBeGreaterThan(0);
    await eventually(async () => (await db.query('SELECT 1 FROM device_reachability WHERE device_id = $1', [canary])).length === 1);

    await sweepAt(30).sweep();
    const events = await history(rolloutId);
    expect(events.slice(-3)).toMatchObject([
      { type: 'DeviceReachabilityNoted', data: { deviceId: canary, reachable: false, asOfSeq: appended!.lastSeq } },
      { type: 'WaveStarted', data: { wave: 1 } },
      { type: 'DevicesAssigned', data: { wave: 1 } },
    ]);
    await sweepAt(100_000).sweep(); // everyone else times out; the silent canary does not
    const timedOut = (await history(rolloutId)).flatMap((e) => (e.type === 'DeviceTimedOut' ? [e.data.deviceId] : []));
    expect(timedOut).toHaveLength(9);
    expect(timedOut).not.toContain(canary);
  });

  it('excludes a device decommissioned while in flight, even if no reactor told the rollout, so it finishes without it', async () => {
    const rolloutId = 'r-sweepretired';
    const canary = await createListed(rolloutId);
    const subject = deviceStore.subject('device', fleet, canary);
    const retired: DeviceEvent = { type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet, deviceId: canary, reason: 'lost' } };
    await deviceStore.append(subject, (await deviceStore.load(subject)).lastSeq, [retired], meta());
    await eventually(
      async () => (await db.query('SELECT 1 FROM device_reachability WHERE device_id = $1 AND decommissioned', [canary])).length === 1,
    );

    await Promise.all([sweepAt(10).sweep(), sweepAt(11).sweep()]);
    const events = await history(rolloutId);
    expect(events.filter((e) => e.type === 'DeviceExcluded')).toEqual([
      { type: 'DeviceExcluded', schemaVersion: 1, data: { fleet, rolloutId, deviceId: canary, reason: 'device decommissioned' } },
    ]);
    // the retired canary holds nothing back (the creation is its event, a chunk of targets, the wave's start and a chunk)
    expect(events.map((e) => e.type).slice(4)).toEqual(['DeviceExcluded', 'WaveStarted', 'DevicesAssigned']);
  });

  it('after an abort with revert, times out a revert still unfinished while reachable, once, and not one that ended or went silent', async () => {
    const rolloutId = 'r-sweeprevert';
    await createListed(rolloutId, {
      ...strategy(
        [
          [30, 'auto'],
          [100, 'auto'],
        ],
        5,
      ),
      deviceTimeoutSeconds: 600,
    });
    const rollouts = new Rollouts(store);
    const abortedAt = new Date(Date.parse(at) + 100_000).toISOString();
    const { state } = await rollouts.execute({ type: 'AbortRollout', fleet, rolloutId, mode: 'revert', at: abortedAt }, meta());
    const [reverted, stuck, silent] = assignedDevices(state.facts) as [string, string, string];
    const tell = async (deviceId: string, event: DeviceEvent) => {
      const subject = deviceStore.subject('device', fleet, deviceId);
      return (await deviceStore.append(subject, (await deviceStore.load(subject)).lastSeq, [event], meta()))!.lastSeq;
    };
    const assignmentId = `${rolloutId}-${reverted}-r`;
    await tell(reverted, {
      type: 'DeviceReportedProgress',
      schemaVersion: 2,
      data: { fleet, deviceId: reverted, rolloutId, assignmentId, state: 'healthy', reportedAt: abortedAt },
    });
    const silentSeq = await tell(silent, {
      type: 'DeviceReachabilityChanged',
      schemaVersion: 1,
      data: { fleet, deviceId: silent, reachable: false, lastSeenAt: abortedAt },
    });
    await eventually(async () => (await db.query('SELECT 1 FROM rollout_device_reverts WHERE device_id = $1', [reverted])).length === 1);
    await eventually(async () => (await db.query('SELECT 1 FROM device_reachability WHERE device_id = $1', [silent])).length === 1);

    await sweepAt(699).sweep(); // 599 s after the abort: the install's deadline passed, the revert's not
    expect((await history(rolloutId)).map((e) => e.type)).not.toContain('DeviceRevertTimedOut');
    await Promise.all([sweepAt(701).sweep(), sweepAt(702).sweep()]);
    const events = await history(rolloutId);
    expect(events.filter((e) => e.type === 'DeviceReachabilityNoted')).toMatchObject([
      { data: { deviceId: silent, reachable: false, asOfSeq: silentSeq } },
    ]);
    expect(events.filter((e) => e.type === 'DeviceRevertTimedOut')).toEqual([
      {
        type: 'DeviceRevertTimedOut',
        schemaVersion: 1,
        data: {
          fleet,
          rolloutId,
          deviceId: stuck,
          assignmentId: `${rolloutId}-${stuck}-r`,
          deadline: new Date(Date.parse(abortedAt) + 600_000).toISOString(),
          timedOutAt: expect.any(String),
        },
      },
    ]);
    expect(errors).toEqual([]);
  });
});
