import type { ArtifactRef, Probe, RolloutEvent, Strategy, TerminalDeviceState } from '@keelson/events';
import type { RolloutCommand } from '../rollouts/rollout.decider.js';
import { orderDevices } from '../rollouts/wave-plan.js';

/** Builders for rollout histories and commands, so decider specs read as given/when/then. */
export const fleet = 'plant-7';
export const rolloutId = 'r-0123456789ab';
export const at = '2026-11-23T09:00:00.000Z';
export const ref = { fleet, rolloutId };

export const artifact: ArtifactRef = {
  name: 'yolo-v8n', version: '2.1.0', kind: 'model', targetPath: 'model/yolo-v8n/2.1.0/model.onnx', sha256: 'a'.repeat(64), length: 1234,
};
export const probe: Probe = { kind: 'file', path: '/run/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 0 };
export const tenDevices = Array.from({ length: 10 }, (_, i) => `d-${String(i).padStart(2, '0')}`);

export function strategy(waves: [number, 'auto' | 'manual'][], maxFailures = 0): Strategy {
  return { waves: waves.map(([percent, gate]) => ({ percent, gate })), maxFailures };
}

export const createCommand = (s: Strategy, deviceIds: string[] = tenDevices): RolloutCommand => ({
  type: 'CreateRollout', ...ref, at, artifact, groupId: 'g-line-7', deviceIds, probe, strategy: s,
});

export const created = (s: Strategy, deviceIds: string[] = tenDevices): RolloutEvent => ({
  type: 'RolloutCreated', schemaVersion: 1,
  data: { ...ref, artifact, groupId: 'g-line-7', deviceIds: orderDevices(rolloutId, deviceIds), probe, strategy: s, createdAt: at },
});

export const waveStarted = (wave: number, deviceIds: string[], startedAt = at): RolloutEvent => ({ type: 'WaveStarted', schemaVersion: 1, data: { ...ref, wave, deviceIds, startedAt } });
export const awaiting = (wave: number): RolloutEvent => ({ type: 'WaveAwaitingApproval', schemaVersion: 1, data: { ...ref, wave } });
export const approved = (wave: number): RolloutEvent => ({ type: 'WaveApproved', schemaVersion: 1, data: { ...ref, wave } });
export const outcome = (deviceId: string, state: TerminalDeviceState, reason?: string): RolloutEvent => ({
  type: 'DeviceOutcomeRecorded', schemaVersion: 1,
  data: { ...ref, deviceId, assignmentId: `${rolloutId}-${deviceId}`, state, ...(reason ? { reason } : {}) },
});
export const halted = (reason: string, automatic: boolean): RolloutEvent => ({ type: 'RolloutHalted', schemaVersion: 1, data: { ...ref, reason, automatic, haltedAt: at } });
export const resumed: RolloutEvent = { type: 'RolloutResumed', schemaVersion: 1, data: { ...ref, resumedAt: at } };
export const aborted = (mode: 'keep' | 'revert'): RolloutEvent => ({ type: 'RolloutAborted', schemaVersion: 1, data: { ...ref, mode, abortedAt: at } });
export const finished = (result: 'succeeded' | 'failed'): RolloutEvent => ({ type: 'RolloutFinished', schemaVersion: 1, data: { ...ref, outcome: result, finishedAt: at } });

/** A device's terminal report as the reactor turns it into a command. */
export const report = (deviceId: string, state: TerminalDeviceState, assignmentId = `${rolloutId}-${deviceId}`, reason?: string): RolloutCommand => ({
  type: 'RecordDeviceOutcome', ...ref, at, deviceId, assignmentId, state, ...(reason ? { reason } : {}),
});
export const approve = (wave?: number): RolloutCommand => ({ type: 'ApproveWave', ...ref, at, ...(wave === undefined ? {} : { wave }) });
export const halt = (reason = 'halted by an operator'): RolloutCommand => ({ type: 'HaltRollout', ...ref, at, reason });
export const resume: RolloutCommand = { type: 'ResumeRollout', ...ref, at };
export const abort = (mode: 'keep' | 'revert'): RolloutCommand => ({ type: 'AbortRollout', ...ref, at, mode });
export const excluded = (deviceId: string, reason = 'device decommissioned'): RolloutEvent => ({ type: 'DeviceExcluded', schemaVersion: 1, data: { ...ref, deviceId, reason } });
export const exclude = (deviceId: string, reason = 'device decommissioned'): RolloutCommand => ({ type: 'ExcludeDevice', ...ref, at, deviceId, reason });
