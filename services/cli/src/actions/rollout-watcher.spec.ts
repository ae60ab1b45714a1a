import { RolloutWatcher } from './rollout-watcher.js';

const time = '2026-11-23T08:15:02.123Z';
const wave = (w: number, fields: Record<string, number>) => ({
  wave: w,
  devices: 2,
  pending: 0,
  inFlight: 0,
  healthy: 0,
  failed: 0,
  excluded: 0,
  ...fields,
});
const summary = (waves: unknown[], devicesDown = 0, unreachable = 0) => ({ event: 'summary', data: { waves, devicesDown, unreachable } });

describe('rollout watch', () => {
  it('names devices once the stream told their names', () => {
    const watcher = new RolloutWatcher();
    watcher.take({ event: 'devices', data: { names: { 'd-1': 'cam-north' } } });
    const report = {
      seq: 1,
      time,
      event: {
        type: 'DeviceReportedProgress',
        schemaVersion: 2,
        data: { fleet: 'default', deviceId: 'd-1', assignmentId: 'r-1-d-1', rolloutId: 'r-1', state: 'healthy', reportedAt: time },
      },
    };
    expect(watcher.take({ event: 'device', data: report }).lines).toEqual(['08:15:02  cam-north  healthy']);
  });

  it('prints a summary line once per wave when its devices are done, and the fleet impact when it changes', () => {
    const watcher = new RolloutWatcher();
    expect(watcher.take(summary([wave(0, { inFlight: 2 }), wave(1, { pending: 2 })])).lines).toEqual([]);
    expect(watcher.take(summary([wave(0, { healthy: 2 }), wave(1, { pending: 2 })])).lines).toEqual([
      'wave 1/2: 2 devices — 2 healthy, 0 failed, 0 in flight, 0 not started',
    ]);
    expect(watcher.take(summary([wave(0, { healthy: 2 }), wave(1, { inFlight: 1, failed: 1 })], 1)).lines).toEqual([
      'fleet impact: 1 device(s) down, 0 unreachable',
    ]);
    expect(watcher.take(summary([wave(0, { healthy: 2 }), wave(1, { inFlight: 1, failed: 1 })], 1)).lines).toEqual([]);
  });

  it('counts the waves of the strategy, also those that add no device', () => {
    const watcher = new RolloutWatcher();
    watcher.take({ event: 'snapshot', data: { strategy: { waves: [{ percent: 50 }, { percent: 100 }] } } });
    expect(watcher.take(summary([wave(1, { devices: 1, healthy: 1 })])).lines).toEqual([
      'wave 2/2: 1 devices — 1 healthy, 0 failed, 0 in flight, 0 not started',
    ]);
  });

  it('summarises the waves that began but never finished when the rollout ends', () => {
    const watcher = new RolloutWatcher();
    watcher.take(summary([wave(0, { healthy: 1, inFlight: 1 }), wave(1, { pending: 2 })]));
    expect(watcher.take({ event: 'end', data: { rolloutId: 'r-1', status: 'aborted' } })).toEqual({
      lines: ['wave 1/2: 2 devices — 1 healthy, 0 failed, 1 in flight, 0 not started', 'rollout aborted'],
      end: 'aborted',
    });
  });

  it('prints how the reverts stand whenever that changes', () => {
    const watcher = new RolloutWatcher();
    const reverts = (fields: Record<string, number>) => ({
      event: 'summary',
      data: {
        waves: [wave(0, { healthy: 2 })],
        devicesDown: 0,
        unreachable: 0,
        reverts: { devices: 2, reverted: 0, failed: 0, inFlight: 2, offline: 0, decommissioned: 0, ...fields },
      },
    });
    watcher.take(summary([wave(0, { healthy: 2 })]));
    expect(watcher.take(reverts({})).lines).toEqual(['reverts: 0 of 2 done (0 reverted, 0 failed), 2 in flight, 0 offline']);
    expect(watcher.take(reverts({})).lines).toEqual([]);
    expect(watcher.take(reverts({ reverted: 1, inFlight: 0, offline: 1 })).lines).toEqual([
      'reverts: 1 of 2 done (1 reverted, 0 failed), 0 in flight, 1 offline',
    ]);
  });
});
