import { given, NotFound, RuleViolation } from '@keelson/domain-kit';
import type { Assignment, DesiredStateChanged, DeviceEvent } from '@keelson/events';
import { assignment } from '../test-fixtures/assignments.js';
import { deviceDecider, type DeviceCommand } from './device.decide.js';

const fleet = 'plant-7';
const deviceId = 'd-0011223344556677';
const enrolled: DeviceEvent = {
  type: 'DeviceEnrolled',
  schemaVersion: 1,
  data: {
    fleet,
    deviceId,
    name: 'dock camera 3',
    certificateSerial: '0a1b',
    certificateFingerprint: 'a'.repeat(64),
    labels: {},
    hardware: {},
    enrolledWith: 'et-1',
  },
};

const desired = (generation: number, ...assignments: Assignment[]): DesiredStateChanged => ({
  type: 'DesiredStateChanged',
  schemaVersion: 1,
  data: { fleet, deviceId, generation, assignments },
});
const report = (
  assignmentId: string,
  state: 'downloading' | 'healthy' | 'rolled_back',
  reason?: string,
  rolloutId = 'r-1',
): DeviceCommand => ({
  type: 'RecordReport',
  assignmentId,
  rolloutId,
  state,
  reportedAt: '2026-11-22T10:00:00.000Z',
  ...(reason ? { reason } : {}),
});
const progress = (assignmentId: string, state: 'downloading' | 'healthy' | 'rolled_back', reason?: string): DeviceEvent => ({
  type: 'DeviceReportedProgress',
  schemaVersion: 2,
  data: { fleet, deviceId, assignmentId, rolloutId: 'r-1', state, reportedAt: '2026-11-22T10:00:00.000Z', ...(reason ? { reason } : {}) },
});
const reachability = (reachable: boolean, at: string): DeviceEvent => ({
  type: 'DeviceReachabilityChanged',
  schemaVersion: 1,
  data: { fleet, deviceId, reachable, lastSeenAt: at },
});
const decommissioned: DeviceEvent = { type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet, deviceId } };

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

  describe('reachability', () => {
    it('turns reachable on the first hello after silence, once', () => {
      given(deviceDecider, [enrolled])
        .when({ type: 'MarkReachable', at: '2026-11-22T10:00:00.000Z' })
        .then([reachability(true, '2026-11-22T10:00:00.000Z')]);
      given(deviceDecider, [enrolled, reachability(true, '2026-11-22T10:00:00.000Z')])
        .when({ type: 'MarkReachable', at: '2026-11-22T10:01:00.000Z' })
        .then([]);
    });

    it('turns unreachable once when the device goes silent', () => {
      const online = [enrolled, reachability(true, '2026-11-22T10:00:00.000Z')];
      given(deviceDecider, online)
        .when({ type: 'MarkUnreachable', lastSeenAt: '2026-11-22T10:00:30.000Z' })
        .then([reachability(false, '2026-11-22T10:00:30.000Z')]);
      given(deviceDecider, [...online, reachability(false, '2026-11-22T10:00:30.000Z')])
        .when({ type: 'MarkUnreachable', lastSeenAt: '2026-11-22T10:00:30.000Z' })
        .then([]);
    });
  });

  describe('when decommissioned', () => {
    const retired = [enrolled, desired(1, assignment('a-1')), decommissioned];
    it.each<[string, DeviceCommand]>([
      ['an assignment', { type: 'Assign', assignment: assignment('a-2') }],
      ['a report', report('a-1', 'healthy')],
      ['a hello', { type: 'MarkReachable', at: '2026-11-22T10:00:00.000Z' }],
      ['silence', { type: 'MarkUnreachable', lastSeenAt: '2026-11-22T10:00:00.000Z' }],
    ])('refuses %s', (_, command) => {
      given(deviceDecider, retired).when(command).thenThrows(RuleViolation, 'device.decommissioned');
    });
  });

  describe('decommissioning', () => {
    it("retires an active device, with the operator's reason", () => {
      given(deviceDecider, [enrolled, desired(1, assignment('a-1'))])
        .when({ type: 'Decommission', reason: 'stolen' })
        .then([{ type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet, deviceId, reason: 'stolen' } }]);
    });

    it('treats decommissioning twice as done', () => {
      given(deviceDecider, [enrolled, decommissioned]).when({ type: 'Decommission' }).then([]);
    });

    it('does not find a device that never enrolled', () => {
      given(deviceDecider, []).when({ type: 'Decommission' }).thenThrows(NotFound, 'device.not-found');
    });
  });

  describe('renewing the certificate', () => {
    const renew = (presentedFingerprint: string, keyRotated = true): DeviceCommand => ({
      type: 'RenewCertificate',
      presentedFingerprint,
      certificateSerial: '0b',
      certificateFingerprint: 'b'.repeat(64),
      notAfter: '2026-12-22T10:00:00.000Z',
      keyRotated,
      certificatePem: 'PEM',
      proofSignedAt: '2026-11-22T10:00:00.000Z',
    });
    const issued = { certificatePem: 'PEM', proofSignedAt: '2026-11-22T10:00:00.000Z' };
    it('replaces the latest certificate with the new one and says whether the key was rotated', () => {
      given(deviceDecider, [enrolled])
        .when(renew('a'.repeat(64)))
        .then([
          {
            type: 'DeviceCertificateRenewed',
            schemaVersion: 1,
            data: {
              fleet,
              deviceId,
              certificateSerial: '0b',
              certificateFingerprint: 'b'.repeat(64),
              notAfter: '2026-12-22T10:00:00.000Z',
              previousFingerprint: 'a'.repeat(64),
              keyRotated: true,
              ...issued,
            },
          },
        ]);
      given(deviceDecider, [enrolled])
        .when(renew('a'.repeat(64), false))
        .then([
          {
            type: 'DeviceCertificateRenewed',
            schemaVersion: 1,
            data: {
              fleet,
              deviceId,
              certificateSerial: '0b',
              certificateFingerprint: 'b'.repeat(64),
              notAfter: '2026-12-22T10:00:00.000Z',
              previousFingerprint: 'a'.repeat(64),
              keyRotated: false,
              ...issued,
            },
          },
        ]);
    });
    it('refuses a certificate that was renewed already', () => {
      const renewed: DeviceEvent = {
        type: 'DeviceCertificateRenewed',
        schemaVersion: 1,
        data: {
          fleet,
          deviceId,
          certificateSerial: '0b',
          certificateFingerprint: 'b'.repeat(64),
          notAfter: '2026-12-22T10:00:00.000Z',
          previousFingerprint: 'a'.repeat(64),
        },
      };
      given(deviceDecider, [enrolled, renewed])
        .when(renew('a'.repeat(64)))
        .thenThrows(RuleViolation, 'device.certificate-superseded');
    });
  });

  describe('re-enrolling', () => {
    const reenroll: DeviceCommand = {
      type: 'Reenroll',
      certificateSerial: '0c',
      certificateFingerprint: 'c'.repeat(64),
      name: 'dock camera 3',
      hardware: {},
      enrolledWith: 'et-2',
    };
    it('keeps the device and its history, with the new certificate as the one that renews', () => {
      given(deviceDecider, [enrolled, desired(1, assignment('a-1'))])
        .when(reenroll)
        .then([
          {
            type: 'DeviceReenrolled',
            schemaVersion: 1,
            data: {
              fleet,
              deviceId,
              certificateSerial: '0c',
              certificateFingerprint: 'c'.repeat(64),
              name: 'dock camera 3',
              hardware: {},
              enrolledWith: 'et-2',
            },
          },
        ]);
    });
    it('refuses a decommissioned device', () => {
      given(deviceDecider, [enrolled, decommissioned]).when(reenroll).thenThrows(RuleViolation, 'device.decommissioned');
    });
  });
});
