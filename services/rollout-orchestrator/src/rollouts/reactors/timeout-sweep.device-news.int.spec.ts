import type { EventStore } from '@keelson/event-store';
import type { DeviceEvent, RolloutEvent } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { eventually } from '@keelson/testing';
import { at, fleet, strategy } from '../../test-fixtures/rollout-history.js';
import { SweepBench } from '../../test-fixtures/timeout-sweep-bench.js';
import { assignedDevices } from '../domain/rollout.decider.js';
import { Rollouts } from '../rollouts.js';

// What the gateway says about devices in flight (silent, decommissioned, reverted) and how the sweep acts on it.
describe('the timeout sweep against real NATS and PostgreSQL', () => {
  const bench = new SweepBench();
  const { errors, meta, sweepAt, history, createListed } = bench;
  let db: Database;
  let store: EventStore<RolloutEvent>;
  let deviceStore: EventStore<DeviceEvent>;

  beforeAll(async () => {
    ({ db, store, deviceStore } = await bench.start());
  });
  afterAll(() => bench.stop());

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
