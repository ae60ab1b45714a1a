import { assertNever, NotFound, RuleViolation, type Decider } from '@keelson/domain-kit';
import { maxAssignments, type Assignment, type DeviceEvent, type DeviceHardware, type DeviceState, type StepTimes } from '@keelson/events';
import { evolve, reportStanding, type Device, type KnownDevice } from './device.js';

export type DeviceCommand =
  | { type: 'Assign'; assignment: Assignment }
  | {
      type: 'RecordReport';
      assignmentId: string;
      rolloutId: string;
      state: DeviceState;
      reason?: string;
      reportedAt: string;
      steps?: StepTimes;
    }
  | { type: 'MarkReachable'; at: string }
  | { type: 'MarkUnreachable'; lastSeenAt: string }
  /** The device proved possession of the key of `presentedFingerprint`, which must be its latest certificate. */
  | {
      type: 'RenewCertificate';
      presentedFingerprint: string;
      certificateSerial: string;
      certificateFingerprint: string;
      notAfter: string;
      keyRotated: boolean;
      certificatePem: string;
      proofSignedAt: string;
    }
  /** A wiped or replaced device enrolled again with a token minted for it: new certificate, same history. */
  | {
      type: 'Reenroll';
      certificateSerial: string;
      certificateFingerprint: string;
      name: string;
      hardware: DeviceHardware;
      enrolledWith: string;
      notAfter?: string;
    }
  /** An operator retires the device; its credentials are revoked by what follows the event. */
  | { type: 'Decommission'; reason?: string };

function activeDevice(state: Device, deviceId = '?'): KnownDevice {
  if (state.status === 'absent') throw new NotFound('device', deviceId);
  if (state.status === 'decommissioned') throw new RuleViolation('device.decommissioned', `device '${state.deviceId}' is decommissioned`);
  return state;
}

function decide(command: DeviceCommand, state: Device): DeviceEvent[] {
  if (command.type === 'Decommission') {
    if (state.status === 'absent') throw new NotFound('device', '?');
    if (state.status === 'decommissioned') return []; // retired already: nothing new happened
    const { fleet, deviceId } = state;
    return [
      {
        type: 'DeviceDecommissioned',
        schemaVersion: 1,
        data: { fleet, deviceId, ...(command.reason === undefined ? {} : { reason: command.reason }) },
      },
    ];
  }
  const device = activeDevice(state);
  const { fleet, deviceId } = device;
  switch (command.type) {
    case 'Assign': {
      const { assignment } = command;
      if (device.assignedIds.includes(assignment.assignmentId)) return []; // already assigned once: a retry
      // One assignment per artifact name: the new one replaces whatever that artifact had.
      const assignments = [...device.assignments.filter((a) => a.artifact.name !== assignment.artifact.name), assignment];
      if (assignments.length > maxAssignments) {
        throw new RuleViolation('device.too-many-assignments', `a desired state holds at most ${maxAssignments} artifacts`);
      }
      return [{ type: 'DesiredStateChanged', schemaVersion: 1, data: { fleet, deviceId, generation: device.generation + 1, assignments } }];
    }
    case 'RecordReport': {
      if (reportStanding(device, command) !== 'new') return [];
      const { assignmentId, rolloutId, state: reported, reason, reportedAt, steps } = command;
      const data = {
        fleet,
        deviceId,
        assignmentId,
        rolloutId,
        state: reported,
        reportedAt,
        ...(reason === undefined ? {} : { reason }),
        ...(steps === undefined ? {} : { steps }),
      };
      return [{ type: 'DeviceReportedProgress', schemaVersion: 2, data }];
    }
    case 'RenewCertificate': {
      if (command.presentedFingerprint !== device.certificateFingerprint) {
        throw new RuleViolation('device.certificate-superseded', "the certificate presented is not the device's latest");
      }
      const { certificateSerial, certificateFingerprint, notAfter, keyRotated, certificatePem, proofSignedAt } = command;
      const previousFingerprint = device.certificateFingerprint;
      return [
        {
          type: 'DeviceCertificateRenewed',
          schemaVersion: 1,
          data: {
            fleet,
            deviceId,
            certificateSerial,
            certificateFingerprint,
            notAfter,
            previousFingerprint,
            keyRotated,
            certificatePem,
            proofSignedAt,
          },
        },
      ];
    }
    case 'Reenroll': {
      const { type: _type, ...rest } = command;
      return [{ type: 'DeviceReenrolled', schemaVersion: 1, data: { fleet, deviceId, ...rest } }];
    }
    case 'MarkReachable':
      if (device.reachable) return [];
      return [{ type: 'DeviceReachabilityChanged', schemaVersion: 1, data: { fleet, deviceId, reachable: true, lastSeenAt: command.at } }];
    case 'MarkUnreachable':
      if (!device.reachable) return [];
      return [
        {
          type: 'DeviceReachabilityChanged',
          schemaVersion: 1,
          data: { fleet, deviceId, reachable: false, lastSeenAt: command.lastSeenAt },
        },
      ];
    default:
      return assertNever(command, 'device command');
  }
}

/** The device aggregate: desired state, accepted reports and reachability of one enrolled device. */
export const deviceDecider: Decider<DeviceCommand, DeviceEvent, Device> = {
  initialState: () => ({ status: 'absent' }),
  decide,
  evolve,
};
