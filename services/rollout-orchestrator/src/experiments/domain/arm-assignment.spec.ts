import { assignArms } from './arm-assignment.js';

const devices = Array.from({ length: 100 }, (_, i) => `d-${i}`);

describe('assigning devices to arms', () => {
  it('puts split % on the candidate and as many on the control, the rest untouched', () => {
    const arms = assignArms('x-1', devices, 20);
    expect([arms.candidate.length, arms.control.length, arms.untouched.length]).toEqual([20, 20, 60]);
    expect(new Set([...arms.candidate, ...arms.control, ...arms.untouched]).size).toBe(100);
  });
  it('draws the same arms for the same experiment, whatever order the group lists its devices in', () => {
    expect(assignArms('x-1', [...devices].reverse(), 20)).toEqual(assignArms('x-1', devices, 20));
  });
  it('draws other arms for another experiment', () => {
    expect(assignArms('x-2', devices, 20).candidate).not.toEqual(assignArms('x-1', devices, 20).candidate);
  });
  it('gives a small group one device per arm at least', () => {
    const arms = assignArms('x-1', ['a', 'b', 'c'], 1);
    expect([arms.candidate.length, arms.control.length, arms.untouched.length]).toEqual([1, 1, 1]);
  });
  it('splits 6 devices at 34 % into 2, 2 and 2', () => {
    const arms = assignArms('x-1', devices.slice(0, 6), 34);
    expect([arms.candidate.length, arms.control.length, arms.untouched.length]).toEqual([2, 2, 2]);
  });
});
