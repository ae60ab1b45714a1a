import type { Assignment, DesiredStateChanged, DeviceEvent } from '@keelson/events';
import type { DeviceCommand } from '../devices/device.decide.js';

// One enrolled device of one fleet, and the events and commands the device decider specs build its histories from.
export const fleet = 'plant-7';
export const deviceId = 'd-0011223344556677';
export const enrolled: DeviceEvent = {
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

export const desired = (generation: number, ...assignments: Assignment[]): DesiredStateChanged => ({
  type: 'DesiredStateChanged',
  schemaVersion: 1,
  data: { fleet, deviceId, generation, assignments },
});
export const report = (
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
export const decommissioned: DeviceEvent = { type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet, deviceId } };
