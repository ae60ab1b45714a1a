import type { DeviceHardware, DeviceEvent, DeviceState } from '@keelson/events';

/** The latest accepted report about one assignment of the device's current desired state. */
export interface AssignmentProgress {
  assignmentId: string;
  rolloutId: string;
  state?: DeviceState;
  reason?: string;
  reportedAt?: string;
}

/**
 * The part of a `devices` row that events decide. Last-seen times, installed artifacts and the
 * hardware a hello reports are written beside it by the device inbox, not by events; enrollment
 * and re-enrollment set name and hardware.
 */
export interface DeviceRow {
  fleet: string;
  deviceId: string;
  name: string;
  status: 'active' | 'decommissioned';
  labels: Record<string, string>;
  hardware: DeviceHardware;
  reachable: boolean;
  lastSeenAt: string | null;
  enrolledAt: string;
  enrolledSeq: number;
  /** When the device's current certificate expires; null if its enrollment predates recording it. */
  certificateNotAfter: string | null;
  desiredGeneration: number;
  assignments: AssignmentProgress[];
}

/** Where an event sits in its stream; the enrollment's sequence orders the device list. */
export interface EventPosition {
  seq: number;
  time: Date;
}

/** Folds one device event into its row; null while the device has not enrolled. */
export function evolveDeviceRow(row: DeviceRow | null, event: DeviceEvent, at: EventPosition): DeviceRow | null {
  if (event.type === 'DeviceEnrolled') {
    const { fleet, deviceId, name, labels, hardware, notAfter } = event.data;
    return {
      fleet,
      deviceId,
      name,
      labels,
      hardware,
      status: 'active',
      reachable: false,
      lastSeenAt: null,
      enrolledAt: at.time.toISOString(),
      enrolledSeq: at.seq,
      certificateNotAfter: notAfter ?? null,
      desiredGeneration: 0,
      assignments: [],
    };
  }
  if (!row) return null;
  switch (event.type) {
    case 'DeviceReenrolled':
      // A wiped or replaced box under the same id: its name and hardware are the ones it enrolled
      // with now (targeting checks models against them). Labels are the operator's and stay.
      return { ...row, name: event.data.name, hardware: event.data.hardware, certificateNotAfter: event.data.notAfter ?? null };
    case 'DeviceCertificateRenewed':
      return { ...row, certificateNotAfter: event.data.notAfter };
    case 'DeviceDecommissioned':
      return { ...row, status: 'decommissioned', reachable: false };
    case 'DeviceReachabilityChanged':
      return { ...row, reachable: event.data.reachable, lastSeenAt: event.data.lastSeenAt };
    case 'DesiredStateChanged': {
      // Progress survives for assignments that stay; replaced ones leave the view.
      const before = new Map(row.assignments.map((a) => [a.assignmentId, a]));
      const assignments = event.data.assignments.map(
        (a) => before.get(a.assignmentId) ?? { assignmentId: a.assignmentId, rolloutId: a.rolloutId },
      );
      return { ...row, desiredGeneration: event.data.generation, assignments };
    }
    case 'DeviceReportedProgress': {
      const { assignmentId, rolloutId, state, reason, reportedAt } = event.data;
      const assignments = row.assignments.map((a) =>
        a.assignmentId === assignmentId ? { assignmentId, rolloutId, state, reportedAt, ...(reason === undefined ? {} : { reason }) } : a,
      );
      return { ...row, assignments };
    }
    default:
      return row;
  }
}
