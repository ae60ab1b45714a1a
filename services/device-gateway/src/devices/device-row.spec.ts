import type { DeviceEvent } from '@keelson/events';
import { assignment } from '../test-fixtures/assignments.js';
import { evolveDeviceRow, type DeviceRow } from './device-row.js';

const fleet = 'plant-7';
const deviceId = 'd-01';
const at = (seq: number) => ({ seq, time: new Date(Date.UTC(2026, 10, 22, 10, 0, seq)) });
const enrolled: DeviceEvent = {
  type: 'DeviceEnrolled',
  schemaVersion: 1,
  data: {
    fleet,
    deviceId,
    name: 'cam-01',
    certificateSerial: '0a',
    certificateFingerprint: 'a'.repeat(64),
    labels: { line: '7' },
    hardware: { architecture: 'arm64' },
    enrolledWith: 'et-1',
    notAfter: '2027-02-20T10:00:00.000Z',
  },
};
const desired = (generation: number, ...ids: string[]): DeviceEvent => ({
  type: 'DesiredStateChanged',
  schemaVersion: 1,
  data: { fleet, deviceId, generation, assignments: ids.map((id) => assignment(id, `artifact-${id}`)) },
});
const reported = (assignmentId: string, state: 'applying' | 'rolled_back', reason?: string): DeviceEvent => ({
  type: 'DeviceReportedProgress',
  schemaVersion: 2,
  data: { fleet, deviceId, assignmentId, rolloutId: 'r-1', state, reportedAt: '2026-11-22T10:05:00.000Z', ...(reason ? { reason } : {}) },
});
const fold = (...events: DeviceEvent[]): DeviceRow | null =>
  events.reduce<DeviceRow | null>((row, e, i) => evolveDeviceRow(row, e, at(i + 1)), null);

describe('the devices read model row', () => {
  it('starts at enrollment: active, not yet reachable, nothing desired, ordered by the enrollment', () => {
    expect(fold(enrolled)).toEqual({
      fleet,
      deviceId,
      name: 'cam-01',
      status: 'active',
      labels: { line: '7' },
      hardware: { architecture: 'arm64' },
      reachable: false,
      lastSeenAt: null,
      enrolledAt: '2026-11-22T10:00:01.000Z',
      enrolledSeq: 1,
      certificateNotAfter: '2027-02-20T10:00:00.000Z',
      desiredGeneration: 0,
      assignments: [],
    });
  });

  it('follows the certificate expiry through renewal and re-enrollment; unknown for an enrollment written before it was recorded', () => {
    const renewed: DeviceEvent = {
      type: 'DeviceCertificateRenewed',
      schemaVersion: 1,
      data: {
        fleet,
        deviceId,
        certificateSerial: '0c',
        certificateFingerprint: 'c'.repeat(64),
        notAfter: '2027-05-21T10:00:00.000Z',
        previousFingerprint: 'a'.repeat(64),
      },
    };
    expect(fold(enrolled, renewed)?.certificateNotAfter).toBe('2027-05-21T10:00:00.000Z');
    const { notAfter: _, ...older } = enrolled.data as Extract<DeviceEvent, { type: 'DeviceEnrolled' }>['data'];
    expect(fold({ ...enrolled, data: older } as DeviceEvent)?.certificateNotAfter).toBeNull();
    expect(fold({ ...enrolled, data: older } as DeviceEvent, renewed)?.certificateNotAfter).toBe('2027-05-21T10:00:00.000Z');
  });

  it('ignores events of a device it never saw enroll', () => {
    expect(fold(desired(1, 'a-1'))).toBeNull();
  });

  it('keeps the latest report per assignment and drops assignments that left the desired state', () => {
    const row = fold(
      enrolled,
      desired(1, 'a-1', 'a-2'),
      reported('a-1', 'applying'),
      reported('a-1', 'rolled_back', 'probe failed'),
      desired(2, 'a-1', 'a-3'),
    );
    expect(row?.desiredGeneration).toBe(2);
    expect(row?.assignments).toEqual([
      { assignmentId: 'a-1', rolloutId: 'r-1', state: 'rolled_back', reason: 'probe failed', reportedAt: '2026-11-22T10:05:00.000Z' },
      { assignmentId: 'a-3', rolloutId: 'r-1' },
    ]);
  });

  it('takes the name and hardware of a re-enrollment, keeping labels, enrollment order and desired state', () => {
    const reenrolled: DeviceEvent = {
      type: 'DeviceReenrolled',
      schemaVersion: 1,
      data: {
        fleet,
        deviceId,
        name: 'cam-01 (replaced)',
        certificateSerial: '0b',
        certificateFingerprint: 'b'.repeat(64),
        hardware: { accelerator: 'jetson-orin', memoryMb: 16_000 },
        enrolledWith: 'et-2',
        notAfter: '2027-03-01T00:00:00.000Z',
      },
    };
    expect(fold(enrolled, desired(1, 'a-1'), reenrolled)).toEqual({
      ...fold(enrolled, desired(1, 'a-1')),
      name: 'cam-01 (replaced)',
      hardware: { accelerator: 'jetson-orin', memoryMb: 16_000 },
      certificateNotAfter: '2027-03-01T00:00:00.000Z',
    });
  });

  it('follows reachability and decommissioning', () => {
    const online: DeviceEvent = {
      type: 'DeviceReachabilityChanged',
      schemaVersion: 1,
      data: { fleet, deviceId, reachable: true, lastSeenAt: '2026-11-22T10:01:00.000Z' },
    };
    expect(fold(enrolled, online)).toMatchObject({ reachable: true, lastSeenAt: '2026-11-22T10:01:00.000Z' });
    expect(fold(enrolled, online, { type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet, deviceId } })).toMatchObject({
      status: 'decommissioned',
      reachable: false,
    });
  });
});
