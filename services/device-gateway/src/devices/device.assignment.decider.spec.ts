import { given, NotFound } from '@keelson/domain-kit';
import type { DeviceEvent } from '@keelson/events';
import { assignment } from '../test-fixtures/assignments.js';
import { deviceId, desired, enrolled, fleet, report } from '../test-fixtures/device-history.js';
import { deviceDecider } from './device.decide.js';

const progress = (assignmentId: string, state: 'downloading' | 'healthy' | 'rolled_back', reason?: string): DeviceEvent => ({
  type: 'DeviceReportedProgress',
  schemaVersion: 2,
  data: { fleet, deviceId, assignmentId, rolloutId: 'r-1', state, reportedAt: '2026-11-22T10:00:00.000Z', ...(reason ? { reason } : {}) },
});

describe('device aggregate', () => {
  describe('when assigned', () => {
    it('puts the first assignment into generation 1', () => {
      given(deviceDecider, [enrolled])
        .when({ type: 'Assign', assignment: assignment('a-1') })
        .then([desired(1, assignment('a-1'))]);
    });

    it('replaces the assignment of the same artifact name and keeps the others', () => {
      const other = assignment('a-cfg', 'line-config', '1.0.0');
      given(deviceDecider, [enrolled, desired(1, assignment('a-1')), desired(2, assignment('a-1'), other)])
        .when({ type: 'Assign', assignment: assignment('a-2', 'yolo-v8n', '2.2.0', 'r-2') })
        .then([desired(3, other, assignment('a-2', 'yolo-v8n', '2.2.0', 'r-2'))]);
    });

    it('changes nothing when the same assignment id arrives again', () => {
      given(deviceDecider, [enrolled, desired(1, assignment('a-1'))])
        .when({ type: 'Assign', assignment: assignment('a-1') })
        .then([]);
    });

    it('does not bring back an assignment that a later one replaced', () => {
      const revert = { ...assignment('a-rev'), action: 'revert' as const };
      given(deviceDecider, [enrolled, desired(1, assignment('a-1')), desired(2, revert)])
        .when({ type: 'Assign', assignment: assignment('a-1') })
        .then([]);
    });

    it('refuses a device that never enrolled', () => {
      given(deviceDecider, [])
        .when({ type: 'Assign', assignment: assignment('a-1') })
        .thenThrows(NotFound, 'device.not-found');
    });
  });

  describe('when a device reports', () => {
    const history = [enrolled, desired(1, assignment('a-1'))];

    it('records progress on an assignment of its desired state', () => {
      given(deviceDecider, history)
        .when(report('a-1', 'downloading'))
        .then([progress('a-1', 'downloading')]);
    });

    it('records a terminal state with its reason', () => {
      given(deviceDecider, [...history, progress('a-1', 'downloading')])
        .when(report('a-1', 'rolled_back', 'probe failed'))
        .then([progress('a-1', 'rolled_back', 'probe failed')]);
    });

    it('ignores a report identical to the last one recorded for that assignment', () => {
      given(deviceDecider, [...history, progress('a-1', 'healthy')])
        .when(report('a-1', 'healthy'))
        .then([]);
    });

    it('drops a report about an assignment no longer in the desired state', () => {
      given(deviceDecider, [...history, desired(2, assignment('a-2', 'yolo-v8n', '2.2.0'))])
        .when(report('a-1', 'healthy'))
        .then([]);
    });

    it('drops a report naming the wrong rollout for the assignment', () => {
      given(deviceDecider, history)
        .when(report('a-1', 'healthy', undefined, 'r-other'))
        .then([]);
    });
  });
});
