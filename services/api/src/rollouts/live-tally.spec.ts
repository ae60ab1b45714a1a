import type { orchestrator } from '@keelson/requests';
import { LiveTally } from './live-tally.js';

const at = '2026-11-23T08:00:00.000Z';
const ref = { fleet: 'default', rolloutId: 'r-1' };
const view = (devices: [string, number][]) =>
  ({ devices: devices.map(([deviceId, wave]) => ({ deviceId, wave, state: 'pending' })) }) as unknown as orchestrator.RolloutView;
const report = (deviceId: string, state: string, assignmentId = `r-1-${deviceId}`) =>
  ({ fleet: 'default', deviceId, assignmentId, rolloutId: 'r-1', state, reportedAt: at }) as never;
const started = (wave: number, deviceIds: string[]) =>
  ({ type: 'WaveStarted', schemaVersion: 1, data: { ...ref, wave, deviceIds } }) as never;
const silent = (deviceId: string, reachable: boolean) =>
  ({ type: 'DeviceReachabilityNoted', schemaVersion: 1, data: { ...ref, deviceId, reachable, asOfSeq: 3, notedAt: at } }) as never;
const timedOut = (deviceId: string) =>
  ({
    type: 'DeviceTimedOut',
    schemaVersion: 1,
    data: { ...ref, deviceId, assignmentId: `r-1-${deviceId}`, deadline: at, timedOutAt: at },
  }) as never;

describe('the live tally of a rollout', () => {
  it('counts each wave by where its devices stand, as events and reports arrive', () => {
    const tally = new LiveTally(
      view([
        ['a', 0],
        ['b', 1],
        ['c', 1],
      ]),
    );
    expect(tally.onRollout(started(0, ['a']))).toBe(true);
    expect(tally.summary().waves[0]).toMatchObject({ wave: 0, devices: 1, inFlight: 1, pending: 0 });
    tally.onDevice(report('a', 'downloading'));
    tally.onDevice(report('a', 'healthy'));
    tally.onRollout(started(1, ['b', 'c']));
    tally.onDevice(report('b', 'rolled_back'));
    expect(tally.summary()).toEqual({
      waves: [
        { wave: 0, devices: 1, pending: 0, inFlight: 0, healthy: 1, failed: 0, excluded: 0 },
        { wave: 1, devices: 2, pending: 0, inFlight: 1, healthy: 0, failed: 1, excluded: 0 },
      ],
      devicesDown: 0,
      unreachable: 0,
    });
  });

  it('never moves a device back from its outcome when older reports are replayed', () => {
    const tally = new LiveTally(view([['a', 0]]));
    tally.onDevice(report('a', 'healthy'));
    expect(tally.onDevice(report('a', 'downloading'))).toBe(false);
    expect(tally.summary().waves[0]!.healthy).toBe(1);
  });

  it('counts a device down only when it failed after the swap began, and timed-out and excluded devices apart', () => {
    const tally = new LiveTally(
      view([
        ['a', 0],
        ['b', 0],
        ['c', 0],
        ['d', 0],
      ]),
    );
    tally.onRollout(started(0, ['a', 'b', 'c', 'd']));
    tally.onDevice(report('a', 'verifying'));
    tally.onDevice(report('a', 'failed')); // refused before the swap: still runs its old version
    tally.onDevice(report('b', 'applying'));
    tally.onDevice(report('b', 'failed')); // failed after the swap: nothing healthy left
    tally.onRollout(timedOut('c'));
    tally.onRollout({ type: 'DeviceExcluded', schemaVersion: 1, data: { ...ref, deviceId: 'd', reason: 'decommissioned' } } as never);
    expect(tally.summary()).toMatchObject({ waves: [{ failed: 3, excluded: 1, inFlight: 0 }], devicesDown: 1 });
  });

  it('follows reverts for health without changing the outcome', () => {
    const tally = new LiveTally(view([['a', 0]]));
    tally.onDevice(report('a', 'healthy'));
    tally.onDevice(report('a', 'applying', 'r-1-a-r'));
    tally.onDevice(report('a', 'failed', 'r-1-a-r')); // the revert failed its probe
    expect(tally.summary()).toMatchObject({ waves: [{ healthy: 1 }], devicesDown: 1 });
  });

  // The api used to count any device the rollout noted silent; the orchestrator's view counts only
  // those in flight (the rollout notes a pending device silent, and during a revert an updated one).
  it('counts a device unreachable only while its update is in flight, as the orchestrator does', () => {
    const tally = new LiveTally(
      view([
        ['a', 0],
        ['b', 0],
        ['c', 0],
      ]),
    );
    tally.onRollout(started(0, ['a', 'b']));
    tally.onDevice(report('b', 'healthy'));
    for (const deviceId of ['a', 'b', 'c']) expect(tally.onRollout(silent(deviceId, false))).toBe(deviceId === 'a');
    expect(tally.summary()).toMatchObject({ waves: [{ pending: 1, inFlight: 1, healthy: 1 }], unreachable: 1 });
    tally.onRollout(silent('a', true));
    expect(tally.summary().unreachable).toBe(0);
    tally.onRollout(silent('a', false));
    tally.onDevice(report('a', 'rolled_back')); // it reported: the outcome the orchestrator records next
    expect(tally.summary()).toMatchObject({ waves: [{ pending: 1, healthy: 1, failed: 1 }], unreachable: 0 });
  });

  // The api used to count a report after a timeout as the device's outcome; the rollout keeps it
  // `failed` (LateDeviceReportRecorded), whichever of the two the stream delivers first.
  it('keeps a timed-out device failed when it reports after all', () => {
    const tally = new LiveTally(
      view([
        ['a', 0],
        ['b', 0],
      ]),
    );
    tally.onRollout(started(0, ['a', 'b']));
    tally.onRollout(timedOut('a'));
    expect(tally.onDevice(report('a', 'healthy'))).toBe(false);
    tally.onDevice(report('b', 'healthy'));
    tally.onRollout(timedOut('b')); // never written after an outcome, but the report came first here
    expect(tally.summary().waves).toEqual([{ wave: 0, devices: 2, pending: 0, inFlight: 0, healthy: 0, failed: 2, excluded: 0 }]);
    const later = new LiveTally({
      devices: [{ deviceId: 'a', wave: 0, state: 'failed', reason: 'timeout', timedOut: true }],
    } as unknown as orchestrator.RolloutView);
    later.onDevice(report('a', 'healthy'));
    expect(later.summary().waves[0]).toMatchObject({ healthy: 0, failed: 1 });
  });

  it('counts the devices the view did not list (it lists 1000 at most) from the target chunks, each in its wave', () => {
    // 5 devices in rollout order a..e, waves 20 % / 100 %: a is the canary. The view listed only a and b.
    const strategy = {
      waves: [
        { percent: 20, gate: 'auto' },
        { percent: 100, gate: 'auto' },
      ],
      maxFailures: 0,
    };
    const listed = {
      ...view([
        ['a', 0],
        ['b', 1],
      ]),
      strategy,
      deviceCount: 5,
    } as unknown as orchestrator.RolloutView;
    const tally = new LiveTally(listed);
    const targets = (from: number, deviceIds: string[]) =>
      ({ type: 'RolloutTargetsAdded', schemaVersion: 1, data: { ...ref, from, deviceIds } }) as never;
    expect(tally.onRollout(targets(0, ['a', 'b', 'c']))).toBe(true);
    expect(tally.onRollout(targets(3, ['d', 'e']))).toBe(true);
    expect(tally.onRollout(targets(0, ['a', 'b', 'c']))).toBe(false); // a redelivered chunk adds nobody twice
    tally.onRollout(started(0, ['a']));
    tally.onDevice(report('a', 'healthy'));
    tally.onRollout({
      type: 'DevicesAssigned',
      schemaVersion: 1,
      data: { ...ref, wave: 1, deviceIds: ['b', 'c', 'd', 'e'], assignedAt: at },
    } as never);
    tally.onDevice(report('e', 'failed'));
    expect(tally.summary().waves).toEqual([
      { wave: 0, devices: 1, pending: 0, inFlight: 0, healthy: 1, failed: 0, excluded: 0 },
      { wave: 1, devices: 4, pending: 0, inFlight: 3, healthy: 0, failed: 1, excluded: 0 },
    ]);
  });
});
