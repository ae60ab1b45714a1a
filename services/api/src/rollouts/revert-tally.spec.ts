import type { orchestrator } from '@keelson/requests';
import { RevertTally } from './revert-tally.js';

const at = '2026-11-23T08:00:00.000Z';
const ref = { fleet: 'default', rolloutId: 'r-1' };
type Device = orchestrator.RolloutView['devices'][number];
const view = (devices: Partial<Device>[], more: Partial<orchestrator.RolloutView> = {}) =>
  ({
    ...ref,
    status: 'running',
    devices: devices.map((d) => ({ wave: 0, state: 'pending', ...d })),
    ...more,
  }) as unknown as orchestrator.RolloutView;
const started = (deviceIds: string[]) => ({ type: 'WaveStarted', schemaVersion: 1, data: { ...ref, wave: 0, deviceIds } }) as never;
const aborted = (mode: 'keep' | 'revert') => ({ type: 'RolloutAborted', schemaVersion: 1, data: { ...ref, mode, abortedAt: at } }) as never;
const revert = (deviceId: string, state: string, reason?: string) =>
  ({
    type: 'DeviceReportedProgress',
    schemaVersion: 2,
    data: {
      fleet: 'default',
      deviceId,
      rolloutId: 'r-1',
      assignmentId: `r-1-${deviceId}-r`,
      state,
      reportedAt: at,
      ...(reason ? { reason } : {}),
    },
  }) as never;
const install = (deviceId: string, state: string) =>
  ({
    type: 'DeviceReportedProgress',
    schemaVersion: 2,
    data: { fleet: 'default', deviceId, rolloutId: 'r-1', assignmentId: `r-1-${deviceId}`, state, reportedAt: at },
  }) as never;
const reach = (deviceId: string, reachable: boolean) =>
  ({ type: 'DeviceReachabilityChanged', schemaVersion: 1, data: { fleet: 'default', deviceId, reachable, lastSeenAt: at } }) as never;

describe('the revert tally of a rollout', () => {
  describe('when the rollout was aborted with revert while the stream watched', () => {
    it('reverts exactly the assigned devices that were not excluded, and is done when each has an outcome', () => {
      const tally = new RevertTally(view([{ deviceId: 'a' }, { deviceId: 'b' }, { deviceId: 'c' }, { deviceId: 'd' }]));
      tally.onRollout(started(['a', 'b', 'c']));
      tally.onRollout({ type: 'DeviceExcluded', schemaVersion: 1, data: { ...ref, deviceId: 'c', reason: 'decommissioned' } } as never);
      expect(tally.counts()).toBeUndefined();
      expect(tally.onRollout(aborted('revert'))).toBe(true);
      expect(tally.counts()).toEqual({ devices: 2, reverted: 0, failed: 0, inFlight: 2, offline: 0, decommissioned: 0 });
      tally.onDevice(10, revert('a', 'applying'));
      expect(tally.onDevice(11, revert('a', 'healthy'))).toBe(true);
      expect(tally.isDone()).toBe(false);
      tally.onDevice(12, revert('b', 'failed', 'reverted, but the probe failed'));
      expect(tally.isDone()).toBe(true);
      expect(tally.end()).toEqual({ devices: 2, reverted: 1, failed: 1, inFlight: 0, offline: 0, decommissioned: 0, offlineDeviceIds: [] });
    });

    it('counts a revert the orchestrator timed out as failed, so the stream ends; an outcome reported after all wins', () => {
      const tally = new RevertTally(view([{ deviceId: 'a' }, { deviceId: 'b' }]));
      tally.onRollout(started(['a', 'b']));
      tally.onRollout(aborted('revert'));
      tally.onDevice(10, revert('a', 'healthy'));
      tally.onDevice(11, revert('b', 'downloading'));
      expect(tally.isDone()).toBe(false);
      const timedOut = {
        type: 'DeviceRevertTimedOut',
        schemaVersion: 1,
        data: { ...ref, deviceId: 'b', assignmentId: 'r-1-b-r', deadline: at, timedOutAt: at },
      };
      expect(tally.onRollout(timedOut as never)).toBe(true);
      expect(tally.isDone()).toBe(true);
      expect(tally.end()).toEqual({ devices: 2, reverted: 1, failed: 1, inFlight: 0, offline: 0, decommissioned: 0, offlineDeviceIds: [] });
      tally.onDevice(12, revert('b', 'healthy'));
      expect(tally.counts()).toMatchObject({ reverted: 2, failed: 0 });
    });

    it('counts a timed-out revert the view shows (a client connecting after the timeout) as failed', () => {
      const tally = new RevertTally(
        view([{ deviceId: 'a', state: 'healthy', revert: { state: 'failed', reason: 'timeout' } }], {
          status: 'aborted',
          abortMode: 'revert',
        }),
      );
      expect(tally.end()).toMatchObject({ devices: 1, failed: 1, inFlight: 0 });
    });

    // The api used to take the view's `failed` (timeout) for the device's own report, which no later
    // report overrides; the orchestrator's view shows an outcome reported after the timeout.
    it('counts the outcome a device reports after the timeout the view shows, as the view then does', () => {
      const tally = new RevertTally(
        view([{ deviceId: 'a', state: 'healthy', revert: { state: 'failed', reason: 'timeout' } }], {
          status: 'aborted',
          abortMode: 'revert',
        }),
      );
      tally.onDevice(10, revert('a', 'applying')); // replayed from before the timeout: still failed
      expect(tally.counts()).toMatchObject({ reverted: 0, failed: 1 });
      expect(tally.onDevice(11, revert('a', 'healthy'))).toBe(true);
      expect(tally.counts()).toMatchObject({ devices: 1, reverted: 1, failed: 0 });
      const reported = new RevertTally(
        view([{ deviceId: 'b', state: 'healthy', revert: { state: 'failed', reason: 'probe failed' } }], {
          status: 'aborted',
          abortMode: 'revert',
        }),
      );
      expect(reported.onDevice(12, revert('b', 'healthy'))).toBe(false); // a reported outcome stays
    });

    it('reverts devices the view did not list (it lists 1000 at most), learnt from the target chunks', () => {
      const tally = new RevertTally(view([{ deviceId: 'a' }], { deviceCount: 3 }));
      tally.onRollout({ type: 'RolloutTargetsAdded', schemaVersion: 1, data: { ...ref, from: 0, deviceIds: ['a', 'b', 'c'] } } as never);
      tally.onRollout(started(['a', 'b']));
      tally.onRollout(aborted('revert'));
      expect(tally.counts()).toEqual({ devices: 2, reverted: 0, failed: 0, inFlight: 2, offline: 0, decommissioned: 0 });
      tally.onDevice(10, revert('a', 'healthy'));
      expect(tally.isDone()).toBe(false); // b, which the view never listed, still reverts
      tally.onDevice(11, revert('b', 'healthy'));
      expect(tally.end()).toMatchObject({ devices: 2, reverted: 2, inFlight: 0 });
    });

    it('counts an unreachable device as offline (done without it) until it comes back', () => {
      const tally = new RevertTally(view([{ deviceId: 'a' }, { deviceId: 'b' }]));
      tally.onRollout(started(['a', 'b']));
      tally.onDevice(5, install('a', 'healthy'));
      tally.onDevice(6, install('b', 'healthy'));
      tally.onDevice(7, reach('b', false));
      tally.onRollout(aborted('revert'));
      tally.onDevice(8, revert('a', 'healthy'));
      expect(tally.isDone()).toBe(true);
      expect(tally.end()).toMatchObject({ reverted: 1, offline: 1, offlineDeviceIds: ['b'] });
      tally.onDevice(9, reach('b', true));
      expect(tally.isDone()).toBe(false);
    });

    it('keeps the newest word on reachability, whichever feed brings it', () => {
      const tally = new RevertTally(view([{ deviceId: 'a' }]));
      tally.onRollout(started(['a']));
      tally.onRollout(aborted('revert'));
      tally.onDevice(20, reach('a', false));
      // the orchestrator's note of an older change arrives late: it does not bring the device back
      tally.onRollout({
        type: 'DeviceReachabilityNoted',
        schemaVersion: 1,
        data: { ...ref, deviceId: 'a', reachable: true, asOfSeq: 12, notedAt: at },
      } as never);
      expect(tally.counts()).toMatchObject({ offline: 1, inFlight: 0 });
    });
  });

  describe('when the stream opens after the abort (a reconnecting client)', () => {
    const after = () =>
      new RevertTally(
        view(
          [
            { deviceId: 'a', state: 'healthy', revert: { state: 'assigned' } },
            { deviceId: 'b', state: 'healthy', revert: { state: 'healthy' } },
            { deviceId: 'c', state: 'pending' },
          ],
          { status: 'aborted', abortMode: 'revert' },
        ),
      );

    it('starts from the view: the reverting devices and the outcomes it knows', () => {
      expect(after().counts()).toEqual({ devices: 2, reverted: 1, failed: 0, inFlight: 1, offline: 0, decommissioned: 0 });
    });

    it('never moves a revert back from its outcome when older reports are replayed', () => {
      const tally = after();
      tally.onDevice(3, revert('b', 'applying'));
      expect(tally.counts()).toMatchObject({ reverted: 1 });
    });

    it('asks about devices it knows nothing of, and a decommissioned one never holds the end', () => {
      const tally = after();
      expect(tally.unknownReachability()).toEqual(['a']);
      tally.notePresence({ a: 'decommissioned' }, 40);
      expect(tally.unknownReachability()).toEqual([]);
      expect(tally.isDone()).toBe(true);
      expect(tally.end()).toMatchObject({ decommissioned: 1, offlineDeviceIds: [] });
    });

    it('lets a later device event override what the gateway said', () => {
      const tally = after();
      tally.notePresence({ a: 'unreachable' }, 40);
      expect(tally.isDone()).toBe(true);
      tally.onDevice(41, reach('a', true));
      expect(tally.isDone()).toBe(false);
    });
  });

  it('has nothing to say after an abort with keep', () => {
    const tally = new RevertTally(view([{ deviceId: 'a' }]));
    tally.onRollout(started(['a']));
    expect(tally.onRollout(aborted('keep'))).toBe(false);
    expect(tally.isReverting).toBe(false);
    expect(tally.end()).toBeUndefined();
  });
});
