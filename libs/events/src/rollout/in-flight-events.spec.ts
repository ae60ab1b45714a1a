import { rejectedPaths } from '../test-support/rejected-paths.js';
import { parseRolloutEvent } from './rollout-events.js';

const rollout = { fleet: 'plant-7', rolloutId: 'r-2025-0042' };
const at = '2025-11-04T09:30:00Z';
const issuesOf = (raw: unknown): string[] => rejectedPaths(parseRolloutEvent, raw);

describe('in-flight rollout events', () => {
  it('parse a throttled slice, a timeout, a late report, a reachability note and the timeout of a revert to themselves', () => {
    const events = [
      { type: 'DevicesAssigned', schemaVersion: 1, data: { ...rollout, wave: 0, deviceIds: ['cam-01', 'cam-02'], assignedAt: at } },
      {
        type: 'DeviceTimedOut',
        schemaVersion: 1,
        data: { ...rollout, deviceId: 'cam-01', assignmentId: 'r-2025-0042-cam-01', deadline: at, timedOutAt: at },
      },
      {
        type: 'LateDeviceReportRecorded',
        schemaVersion: 1,
        data: {
          ...rollout,
          deviceId: 'cam-01',
          assignmentId: 'r-2025-0042-cam-01',
          state: 'rolled_back',
          reason: 'probe failed',
          recordedAt: at,
        },
      },
      {
        type: 'DeviceReachabilityNoted',
        schemaVersion: 1,
        data: { ...rollout, deviceId: 'cam-01', reachable: true, asOfSeq: 12, notedAt: at },
      },
      { type: 'WaveStarted', schemaVersion: 2, data: { ...rollout, wave: 1, startedAt: at } },
      {
        type: 'DeviceRevertTimedOut',
        schemaVersion: 1,
        data: { ...rollout, deviceId: 'cam-01', assignmentId: 'r-2025-0042-cam-01-r', deadline: at, timedOutAt: at },
      },
    ];
    for (const event of events) expect(parseRolloutEvent(event)).toEqual(event);
  });

  describe('reject', () => {
    it('a slice assigning a device twice', () => {
      expect(
        issuesOf({
          type: 'DevicesAssigned',
          schemaVersion: 1,
          data: { ...rollout, wave: 0, deviceIds: ['cam-01', 'cam-01'], assignedAt: at },
        }),
      ).toEqual(['data.deviceIds']);
    });

    it('a late report that is not terminal', () => {
      const data = { ...rollout, deviceId: 'cam-01', assignmentId: 'a-1', state: 'applying', recordedAt: at };
      expect(issuesOf({ type: 'LateDeviceReportRecorded', schemaVersion: 1, data })).toEqual(['data.state']);
    });

    it('a reachability note without a device event sequence, or with a negative one', () => {
      const data = { ...rollout, deviceId: 'cam-01', reachable: false, notedAt: at };
      expect(issuesOf({ type: 'DeviceReachabilityNoted', schemaVersion: 1, data })).toEqual(['data.asOfSeq']);
      expect(issuesOf({ type: 'DeviceReachabilityNoted', schemaVersion: 1, data: { ...data, asOfSeq: -1 } })).toEqual(['data.asOfSeq']);
    });

    it('a timeout without a deadline', () => {
      expect(
        issuesOf({
          type: 'DeviceTimedOut',
          schemaVersion: 1,
          data: { ...rollout, deviceId: 'cam-01', assignmentId: 'a-1', timedOutAt: at },
        }),
      ).toEqual(['data.deadline']);
    });
  });
});
