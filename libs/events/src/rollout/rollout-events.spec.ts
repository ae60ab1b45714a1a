import { rejectedPaths } from '../test-support/rejected-paths.js';
import { parseRolloutEvent, type DeviceOutcomeRecorded, type RolloutCreated } from './rollout-events.js';

const issuesOf = (raw: unknown): string[] => rejectedPaths(parseRolloutEvent, raw);

const rollout = { fleet: 'plant-7', rolloutId: 'r-2025-0042' };

const created: RolloutCreated = {
  type: 'RolloutCreated',
  schemaVersion: 2,
  data: {
    ...rollout,
    artifact: {
      name: 'yolo-v8n',
      version: '2.1.0',
      kind: 'model',
      targetPath: 'model/yolo-v8n/2.1.0/model.onnx',
      sha256: '3f786850e387550fdab836ed7e6dc881de23001b4f1d1b5f1ff4ad0b2e4d9d7c',
      length: 6_534_321,
    },
    groupId: 'g-dock-cameras',
    deviceCount: 3,
    probe: { kind: 'http', url: 'http://127.0.0.1:8080/healthz', timeoutSeconds: 10, attempts: 3, initialDelaySeconds: 20 },
    strategy: {
      waves: [
        { percent: 34, gate: 'auto' },
        { percent: 100, gate: 'manual' },
      ],
      maxFailures: 0,
    },
    createdAt: '2025-11-04T09:00:00Z',
  },
};

const outcome: DeviceOutcomeRecorded = {
  type: 'DeviceOutcomeRecorded',
  schemaVersion: 1,
  data: { ...rollout, deviceId: 'cam-dock-01', assignmentId: 'as-r-2025-0042-cam-dock-01', state: 'healthy' },
};

describe('rollout events', () => {
  it('parse a created rollout and a device outcome to themselves', () => {
    expect(parseRolloutEvent(created)).toEqual(created);
    expect(parseRolloutEvent(outcome)).toEqual(outcome);
  });

  it('read a version-1 creation, its device ids inline, as version 2 with those ids and their count', () => {
    const { deviceCount: _, ...data } = created.data;
    const v1 = { type: 'RolloutCreated', schemaVersion: 1, data: { ...data, deviceIds: ['cam-dock-01', 'cam-dock-02', 'cam-dock-03'] } };
    expect(parseRolloutEvent(v1)).toEqual({
      ...created,
      data: { ...created.data, deviceIds: ['cam-dock-01', 'cam-dock-02', 'cam-dock-03'] },
    });
  });

  it('read a version-1 wave start, its devices inline, as version 2 with those devices', () => {
    const v1 = { type: 'WaveStarted', schemaVersion: 1, data: { ...rollout, wave: 0, deviceIds: ['cam-dock-01'] } };
    expect(parseRolloutEvent(v1)).toEqual({ ...v1, schemaVersion: 2 });
  });

  it('parse the wave and lifecycle events', () => {
    const at = '2025-11-04T10:00:00Z';
    const events = [
      { type: 'WaveStarted', schemaVersion: 2, data: { ...rollout, wave: 0, startedAt: at } },
      { type: 'RolloutTargetsAdded', schemaVersion: 1, data: { ...rollout, from: 0, deviceIds: ['cam-dock-01', 'cam-dock-02'] } },
      { type: 'DevicesAssigned', schemaVersion: 1, data: { ...rollout, wave: 0, deviceIds: ['cam-dock-01'], assignedAt: at } },
      { type: 'WaveAwaitingApproval', schemaVersion: 1, data: { ...rollout, wave: 1 } },
      { type: 'WaveApproved', schemaVersion: 1, data: { ...rollout, wave: 1 } },
      { type: 'DeviceExcluded', schemaVersion: 1, data: { ...rollout, deviceId: 'cam-dock-02', reason: 'device decommissioned' } },
      {
        type: 'RolloutHalted',
        schemaVersion: 1,
        data: { ...rollout, reason: '1 device rolled back; 0 allowed', automatic: true, haltedAt: at },
      },
      { type: 'RolloutResumed', schemaVersion: 1, data: { ...rollout, resumedAt: at } },
      { type: 'RolloutAborted', schemaVersion: 1, data: { ...rollout, mode: 'revert', abortedAt: at } },
      { type: 'RolloutFinished', schemaVersion: 1, data: { ...rollout, outcome: 'failed', finishedAt: at } },
    ];
    for (const event of events) expect(parseRolloutEvent(event)).toEqual(event);
  });

  describe('reject', () => {
    it('a strategy that stops short of the whole group', () => {
      const strategy = { waves: [{ percent: 50, gate: 'auto' }], maxFailures: 0 };
      expect(issuesOf({ ...created, data: { ...created.data, strategy } })).toEqual(['data.strategy.waves.0.percent']);
    });

    it('a probe with attempts over 10', () => {
      const probe = { ...created.data.probe, attempts: 11 };
      expect(issuesOf({ ...created, data: { ...created.data, probe } })).toEqual(['data.probe.attempts']);
    });

    it('an outcome that is not terminal', () => {
      expect(issuesOf({ ...outcome, data: { ...outcome.data, state: 'applying' } })).toEqual(['data.state']);
    });

    it('a wave number no strategy can have', () => {
      expect(issuesOf({ type: 'WaveApproved', schemaVersion: 1, data: { ...rollout, wave: 20 } })).toEqual(['data.wave']);
    });

    it('an abort mode other than keep or revert', () => {
      const data = { ...rollout, mode: 'pause', abortedAt: '2025-11-04T10:00:00Z' };
      expect(issuesOf({ type: 'RolloutAborted', schemaVersion: 1, data })).toEqual(['data.mode']);
    });
  });
});
