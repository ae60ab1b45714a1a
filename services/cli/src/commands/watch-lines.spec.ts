import { watchLines } from './watch-lines.js';

const time = '2026-11-23T08:15:02.123Z';
const rollout = { fleet: 'default', rolloutId: 'r-1' };
const fed = (event: unknown) => ({ seq: 1, time, event });
const report = (state: string, reason?: string) =>
  fed({ type: 'DeviceReportedProgress', schemaVersion: 1, data: { fleet: 'default', deviceId: 'dev-3', assignmentId: 'r-1-dev-3', rolloutId: 'r-1', state, reportedAt: time, ...(reason ? { reason } : {}) } });

describe('rollout watch lines', () => {
  it('shows each device state, with the reason of a rollback', () => {
    expect(watchLines({ event: 'device', data: report('verifying') }).lines).toEqual(['08:15:02  dev-3  verifying signatures']);
    expect(watchLines({ event: 'device', data: report('applying') }).lines).toEqual(['08:15:02  dev-3  applying (swap, then probe)']);
    expect(watchLines({ event: 'device', data: report('rolled_back', 'probe failed 3 times') }).lines).toEqual(['08:15:02  dev-3  rolled back: probe failed 3 times']);
  });

  it('shows wave transitions, gates and halts', () => {
    expect(watchLines({ event: 'rollout', data: fed({ type: 'WaveStarted', schemaVersion: 1, data: { ...rollout, wave: 1, deviceIds: ['dev-1', 'dev-2'] } }) }).lines).toEqual([
      '08:15:02  wave 2 started: 2 devices (dev-1, dev-2)',
    ]);
    expect(watchLines({ event: 'rollout', data: fed({ type: 'WaveAwaitingApproval', schemaVersion: 1, data: { ...rollout, wave: 2 } }) }).lines[0]).toContain('keelson rollout approve r-1');
    expect(watchLines({ event: 'rollout', data: fed({ type: 'RolloutHalted', schemaVersion: 1, data: { ...rollout, reason: '1 device failed', automatic: true, haltedAt: time } }) }).lines).toEqual([
      '08:15:02  HALTED (halt rule): 1 device failed',
    ]);
  });

  it('ends with the outcome', () => {
    expect(watchLines({ event: 'end', data: { rolloutId: 'r-1', status: 'succeeded' } })).toEqual({ lines: ['rollout succeeded'], end: 'succeeded' });
    expect(watchLines({ event: 'end', data: { rolloutId: 'r-1', status: 'aborted' } }).end).toBe('aborted');
  });

  it('skips what it cannot read instead of failing the watch', () => {
    expect(watchLines({ event: 'rollout', data: fed({ type: 'SomethingNew', schemaVersion: 1, data: {} }) }).lines).toEqual([]);
    expect(watchLines({ event: 'device', data: { nonsense: true } }).lines).toEqual([]);
  });
});
