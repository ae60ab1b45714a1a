import { assertNever } from '@keelson/domain-kit';
import type { Assignment, DeviceEvent, DeviceState } from '@keelson/events';

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

export function evolve(state: Device, event: DeviceEvent): Device {
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
