import type { DeviceState } from '@keelson/events';
import { assignment } from '../test-fixtures/assignments.js';
import type { KnownDevice } from './device.js';
import { owesDesiredState } from './hello-answer.js';

const device = (generation: number, reports: Record<string, DeviceState>, ...assignmentIds: string[]): KnownDevice => ({
  status: 'active',
  fleet: 'plant-7',
  deviceId: 'd-0011223344556677',
  certificateFingerprint: 'a'.repeat(64),
  reachable: true,
  generation,
  assignments: assignmentIds.map((id) => assignment(id)),
  assignedIds: assignmentIds,
  reports: Object.fromEntries(Object.entries(reports).map(([id, state]) => [id, { state }])),
});

describe('whether a hello is answered with the desired state', () => {
  it('is not, for a device that applied the current generation and whose every assignment has a terminal report', () => {
    expect(owesDesiredState(device(0, {}), 0)).toBe(false);
    expect(owesDesiredState(device(2, { a: 'healthy', b: 'rolled_back' }, 'a', 'b'), 2)).toBe(false);
    expect(owesDesiredState(device(2, { a: 'failed' }, 'a'), 2)).toBe(false);
  });

  it('is, for a device behind the current generation or ahead of it (a platform restored from an older backup)', () => {
    expect(owesDesiredState(device(2, { a: 'healthy' }, 'a'), 1)).toBe(true);
    expect(owesDesiredState(device(0, {}), 4)).toBe(true);
  });

  it('is, when an assignment of the current generation has no terminal report on record (one may be lost)', () => {
    expect(owesDesiredState(device(2, { a: 'healthy', b: 'applying' }, 'a', 'b'), 2)).toBe(true);
    expect(owesDesiredState(device(2, { a: 'healthy' }, 'a', 'b'), 2)).toBe(true);
  });
});
