import { assertNever, NotFound, RuleViolation, type Decider } from '@keelson/domain-kit';
import { maxAssignments, type Assignment, type DeviceEvent, type DeviceHardware, type DeviceState, type StepTimes } from '@keelson/events';

/** The last report the gateway recorded for one assignment. */
export interface RecordedReport {
  state: DeviceState;
  reason?: string;
}

/** What the gateway knows about one device, folded from `ev.device.<fleet>.<deviceId>`. */
export type Device =
  | { status: 'absent' }
  | {
      status: 'active' | 'decommissioned';
      fleet: string;
      deviceId: string;
      /** The certificate that may renew (the latest issued); an older one is superseded. */
      certificateFingerprint: string;
      /** The latest renewal, while its certificate is current: what a retry whose answer was lost gets again. */
      lastRenewal?: { previousFingerprint: string; certificatePem: string; proofSignedAt: string };
      reachable: boolean;
      generation: number;
      assignments: Assignment[];
      /** Every assignment id ever put into the desired state: assigning one again is a no-op. */
      assignedIds: string[];
      /** The last report per assignment of the current desired state. */
      reports: Record<string, RecordedReport>;
    };

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

/** How a report relates to the device's desired state; only `new` is recorded. */
export type ReportStanding = 'new' | 'repeated' | 'unknown-assignment';

export type KnownDevice = Exclude<Device, { status: 'absent' }>;

export function reportStanding(
  device: KnownDevice,
  report: { assignmentId: string; rolloutId: string; state: DeviceState; reason?: string },
): ReportStanding {
  const current = device.assignments.find((a) => a.assignmentId === report.assignmentId);
  // A report about an assignment that was replaced (or never ours) is late or forged: drop it.
  if (!current || current.rolloutId !== report.rolloutId) return 'unknown-assignment';
  const last = device.reports[report.assignmentId];
  return last && last.state === report.state && last.reason === report.reason ? 'repeated' : 'new';
}

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

function evolve(state: Device, event: DeviceEvent): Device {
  if (event.type === 'DeviceEnrolled') {
    const { fleet, deviceId, certificateFingerprint } = event.data;
    return {
      status: 'active',
      fleet,
      deviceId,
      certificateFingerprint,
      reachable: false,
      generation: 0,
      assignments: [],
      assignedIds: [],
      reports: {},
    };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'DeviceDecommissioned':
      return { ...state, status: 'decommissioned' };
    case 'DeviceReachabilityChanged':
      return { ...state, reachable: event.data.reachable };
    case 'DesiredStateChanged': {
      const { generation, assignments } = event.data;
      const kept = new Set(assignments.map((a) => a.assignmentId));
      const reports = Object.fromEntries(Object.entries(state.reports).filter(([id]) => kept.has(id)));
      const assignedIds = [...state.assignedIds, ...assignments.map((a) => a.assignmentId).filter((id) => !state.assignedIds.includes(id))];
      return { ...state, generation, assignments, assignedIds, reports };
    }
    case 'DeviceReportedProgress': {
      const { assignmentId, state: reported, reason } = event.data;
      return {
        ...state,
        reports: { ...state.reports, [assignmentId]: reason === undefined ? { state: reported } : { state: reported, reason } },
      };
    }
    case 'DeviceCertificateRenewed': {
      const { lastRenewal: _superseded, ...rest } = state;
      const { certificateFingerprint, previousFingerprint, certificatePem, proofSignedAt } = event.data;
      return certificatePem && proofSignedAt
        ? { ...rest, certificateFingerprint, lastRenewal: { previousFingerprint, certificatePem, proofSignedAt } }
        : { ...rest, certificateFingerprint };
    }
    case 'DeviceReenrolled': {
      const { lastRenewal: _revoked, ...rest } = state; // re-enrollment: no earlier certificate may retry
      return { ...rest, certificateFingerprint: event.data.certificateFingerprint };
    }
    default:
      return assertNever(event, 'device event');
  }
}

/** The device aggregate: desired state, accepted reports and reachability of one enrolled device. */
export const deviceDecider: Decider<DeviceCommand, DeviceEvent, Device> = {
  initialState: () => ({ status: 'absent' }),
  decide,
  evolve,
};
