import { stepDurations, watchLines } from './watch-lines.js';

const time = '2026-11-23T08:15:02.123Z';
const rollout = { fleet: 'default', rolloutId: 'r-1' };
const fed = (event: unknown) => ({ seq: 1, time, event });
const report = (state: string, reason?: string) =>
  fed({
    type: 'DeviceReportedProgress',
    schemaVersion: 2,
    data: {
      fleet: 'default',
      deviceId: 'dev-3',
      assignmentId: 'r-1-dev-3',
      rolloutId: 'r-1',
      state,
      reportedAt: time,
      ...(reason ? { reason } : {}),
    },
  });

describe('rollout watch lines', () => {
  it('shows each device state, with the reason of a rollback', () => {
    expect(watchLines({ event: 'device', data: report('verifying') }).lines).toEqual(['08:15:02  dev-3  verifying signatures']);
    expect(watchLines({ event: 'device', data: report('applying') }).lines).toEqual(['08:15:02  dev-3  applying (swap, then probe)']);
    expect(watchLines({ event: 'device', data: report('rolled_back', 'probe failed 3 times') }).lines).toEqual([
      '08:15:02  dev-3  rolled back: probe failed 3 times',
    ]);
  });

  it('shows a live step like a stored one, and an outcome with how long each step took', () => {
    const step = {
      time,
      event: {
        type: 'LiveDeviceProgress',
        schemaVersion: 1,
        data: { fleet: 'default', deviceId: 'dev-3', assignmentId: 'a-1', rolloutId: 'r-1', state: 'verifying', reportedAt: time },
      },
    };
    expect(watchLines({ event: 'progress', data: step }).lines).toEqual(['08:15:02  dev-3  verifying signatures']);
    expect(
      watchLines({ event: 'progress', data: { ...step, event: { ...step.event, data: { ...step.event.data, state: 'healthy' } } } }).lines,
    ).toEqual([]);
    const steps = { downloading: '2026-11-23T08:14:58.000Z', verifying: '2026-11-23T08:14:59.500Z', applying: '2026-11-23T08:15:00.000Z' };
    const outcome = fed({
      type: 'DeviceReportedProgress',
      schemaVersion: 2,
      data: { fleet: 'default', deviceId: 'dev-3', assignmentId: 'a-1', rolloutId: 'r-1', state: 'healthy', reportedAt: time, steps },
    });
    expect(watchLines({ event: 'device', data: outcome }).lines).toEqual([
      '08:15:02  dev-3  healthy  (download 1.5 s, verify 0.5 s, apply and probe 2.1 s)',
    ]);
    expect(stepDurations({ downloading: steps.downloading }, '2026-11-23T08:14:58.300Z')).toBe('download 0.3 s');
  });

  it('shows wave transitions, gates and halts', () => {
    expect(
      watchLines({
        event: 'rollout',
        data: fed({ type: 'WaveStarted', schemaVersion: 1, data: { ...rollout, wave: 1, deviceIds: ['dev-1', 'dev-2'] } }),
      }).lines,
    ).toEqual(['08:15:02  wave 2 started: 2 devices (dev-1, dev-2)']);
    expect(
      watchLines({ event: 'rollout', data: fed({ type: 'WaveAwaitingApproval', schemaVersion: 1, data: { ...rollout, wave: 2 } }) })
        .lines[0],
    ).toContain('keelson rollout approve r-1');
    expect(
      watchLines({
        event: 'rollout',
        data: fed({
          type: 'RolloutHalted',
          schemaVersion: 1,
          data: { ...rollout, reason: '1 device failed', automatic: true, haltedAt: time },
        }),
      }).lines,
    ).toEqual(['08:15:02  HALTED (halt rule): 1 device failed']);
  });

  it('shows a wave that lists its devices in chunks: the start, then each chunk with 20 names at most', () => {
    const ids = Array.from({ length: 25 }, (_, i) => `dev-${i}`);
    expect(
      watchLines({ event: 'rollout', data: fed({ type: 'WaveStarted', schemaVersion: 2, data: { ...rollout, wave: 0, startedAt: time } }) })
        .lines,
    ).toEqual(['08:15:02  wave 1 started']);
    const chunk = watchLines({
      event: 'rollout',
      data: fed({ type: 'DevicesAssigned', schemaVersion: 1, data: { ...rollout, wave: 0, deviceIds: ids, assignedAt: time } }),
    });
    expect(chunk.lines).toEqual([`08:15:02  wave 1: 25 devices assigned (${ids.slice(0, 20).join(', ')} and 5 more)`]);
  });

  it('shows a revert by what it does, apart from the update', () => {
    const revert = (state: string, reason?: string) => ({
      event: 'device',
      data: fed({
        type: 'DeviceReportedProgress',
        schemaVersion: 2,
        data: {
          fleet: 'default',
          deviceId: 'dev-3',
          assignmentId: 'r-1-dev-3-r',
          rolloutId: 'r-1',
          state,
          reportedAt: time,
          ...(reason ? { reason } : {}),
        },
      }),
    });
    expect(watchLines(revert('applying'), (id) => `sim-${id.slice(4)}`).lines).toEqual([
      '08:15:02  sim-3  reverting: applying (swap back, then probe)',
    ]);
    expect(watchLines(revert('healthy'), undefined, 'yolo-v8n@2.1.0').lines).toEqual([
      '08:15:02  dev-3  reverted from yolo-v8n@2.1.0 to its previous version',
    ]);
    expect(watchLines(revert('healthy', 'nothing to revert: yolo-v8n runs 2.0.0, not 2.1.0')).lines).toEqual([
      '08:15:02  dev-3  reverted: nothing to revert: yolo-v8n runs 2.0.0, not 2.1.0',
    ]);
    expect(watchLines(revert('failed', 'reverted, but the probe failed')).lines).toEqual([
      '08:15:02  dev-3  revert FAILED: reverted, but the probe failed',
    ]);
    const timedOut = {
      type: 'DeviceRevertTimedOut',
      schemaVersion: 1,
      data: { ...rollout, deviceId: 'dev-3', assignmentId: 'r-1-dev-3-r', deadline: '2026-11-23T08:15:00.000Z', timedOutAt: time },
    };
    expect(watchLines({ event: 'rollout', data: fed(timedOut) }).lines).toEqual([
      '08:15:02  dev-3  revert FAILED: timeout (no outcome of its revert by 08:15:00)',
    ]);
  });

  it('ends an abort with revert naming the offline devices whose revert is pending', () => {
    const reverts = { devices: 3, reverted: 2, failed: 0, inFlight: 0, offline: 1, decommissioned: 0, offlineDeviceIds: ['dev-4'] };
    expect(watchLines({ event: 'end', data: { rolloutId: 'r-1', status: 'aborted', reverts } }, (id) => `sim-${id.slice(4)}`)).toEqual({
      lines: ['reverts: 2 reverted, 0 failed, 1 pending on offline devices', 'pending until they return: sim-4', 'rollout aborted'],
      end: 'aborted',
    });
  });

  it('ends with the outcome', () => {
    expect(watchLines({ event: 'end', data: { rolloutId: 'r-1', status: 'succeeded' } })).toEqual({
      lines: ['rollout succeeded'],
      end: 'succeeded',
    });
    expect(watchLines({ event: 'end', data: { rolloutId: 'r-1', status: 'aborted' } }).end).toBe('aborted');
  });

  it('skips what it cannot read instead of failing the watch', () => {
    expect(watchLines({ event: 'rollout', data: fed({ type: 'SomethingNew', schemaVersion: 1, data: {} }) }).lines).toEqual([]);
    expect(watchLines({ event: 'device', data: { nonsense: true } }).lines).toEqual([]);
  });
});
