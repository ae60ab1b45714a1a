import { chunkDeviceIds, type ArtifactRef, type Probe, type RolloutEvent, type Strategy, type TerminalDeviceState } from '@keelson/events';
import type { RolloutCommand } from '../rollouts/domain/rollout.decider.js';
import { orderDevices } from '../rollouts/domain/wave-plan.js';

/** Builders for rollout histories and commands, so decider specs read as given/when/then. */
export const fleet = 'plant-7';
export const rolloutId = 'r-0123456789ab';
export const at = '2026-11-23T09:00:00.000Z';
export const ref = { fleet, rolloutId };

export const artifact: ArtifactRef = {
  name: 'yolo-v8n',
  version: '2.1.0',
  kind: 'model',
  targetPath: 'model/yolo-v8n/2.1.0/model.onnx',
  sha256: 'a'.repeat(64),
  length: 1234,
};
export const probe: Probe = { kind: 'file', path: '/run/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 0 };
export const tenDevices = Array.from({ length: 10 }, (_, i) => `d-${String(i).padStart(2, '0')}`);

export function strategy(waves: [number, 'auto' | 'manual'][], maxFailures = 0): Strategy {
  return { waves: waves.map(([percent, gate]) => ({ percent, gate })), maxFailures };
}

export const createCommand = (s: Strategy, deviceIds: string[] = tenDevices): RolloutCommand => ({
  type: 'CreateRollout',
  ...ref,
  at,
  artifact,
  groupId: 'g-line-7',
  deviceIds,
  probe,
  strategy: s,
});

/** A creation as the decider writes it: `RolloutCreated`, then its devices in wave order, in chunks. */
export function created(s: Strategy, deviceIds: string[] = tenDevices): RolloutEvent[] {
  const ordered = orderDevices(rolloutId, deviceIds);
  const data = { ...ref, artifact, groupId: 'g-line-7', deviceCount: ordered.length, probe, strategy: s, createdAt: at };
  let from = 0;
  const chunks = chunkDeviceIds(ordered).map((chunk): RolloutEvent => {
    const event: RolloutEvent = { type: 'RolloutTargetsAdded', schemaVersion: 1, data: { ...ref, from, deviceIds: chunk } };
    from += chunk.length;
    return event;
  });
  return [{ type: 'RolloutCreated', schemaVersion: 2, data }, ...chunks];
}

/** A wave's start as the decider writes it: `WaveStarted`, then the devices it assigns, in chunks. */
export function waveStarted(wave: number, deviceIds: string[], startedAt = at): RolloutEvent[] {
  const assigned = chunkDeviceIds(deviceIds).map((chunk): RolloutEvent => ({
    type: 'DevicesAssigned',
    schemaVersion: 1,
    data: { ...ref, wave, deviceIds: chunk, assignedAt: startedAt },
  }));
  return [{ type: 'WaveStarted', schemaVersion: 2, data: { ...ref, wave, startedAt } }, ...assigned];
}

/** The same facts as version-1 events stored them (ids inline), read back through the registry. */
export const createdV1 = (s: Strategy, deviceIds: string[] = tenDevices): unknown => ({
  type: 'RolloutCreated',
  schemaVersion: 1,
  data: { ...ref, artifact, groupId: 'g-line-7', deviceIds: orderDevices(rolloutId, deviceIds), probe, strategy: s, createdAt: at },
});
export const waveStartedV1 = (wave: number, deviceIds: string[], startedAt = at): unknown => ({
  type: 'WaveStarted',
  schemaVersion: 1,
  data: { ...ref, wave, deviceIds, startedAt },
});
export const awaiting = (wave: number): RolloutEvent => ({ type: 'WaveAwaitingApproval', schemaVersion: 1, data: { ...ref, wave } });
export const approved = (wave: number): RolloutEvent => ({ type: 'WaveApproved', schemaVersion: 1, data: { ...ref, wave } });
export const outcome = (deviceId: string, state: TerminalDeviceState, reason?: string): RolloutEvent => ({
  type: 'DeviceOutcomeRecorded',
  schemaVersion: 1,
  data: { ...ref, deviceId, assignmentId: `${rolloutId}-${deviceId}`, state, ...(reason ? { reason } : {}) },
});
export const halted = (reason: string, automatic: boolean): RolloutEvent => ({
  type: 'RolloutHalted',
  schemaVersion: 1,
  data: { ...ref, reason, automatic, haltedAt: at },
});
export const resumed: RolloutEvent = { type: 'RolloutResumed', schemaVersion: 1, data: { ...ref, resumedAt: at } };
export const aborted = (mode: 'keep' | 'revert'): RolloutEvent => ({
  type: 'RolloutAborted',
  schemaVersion: 1,
  data: { ...ref, mode, abortedAt: at },
});
export const finished = (result: 'succeeded' | 'failed'): RolloutEvent => ({
  type: 'RolloutFinished',
  schemaVersion: 1,
  data: { ...ref, outcome: result, finishedAt: at },
});

/** A device's terminal report as the reactor turns it into a command. */
export const report = (
  deviceId: string,
  state: TerminalDeviceState,
  assignmentId = `${rolloutId}-${deviceId}`,
  reason?: string,
): RolloutCommand => ({
  type: 'RecordDeviceOutcome',
  ...ref,
  at,
  deviceId,
  assignmentId,
  state,
  ...(reason ? { reason } : {}),
});
export const approve = (wave?: number): RolloutCommand => ({ type: 'ApproveWave', ...ref, at, ...(wave === undefined ? {} : { wave }) });
export const halt = (reason = 'halted by an operator'): RolloutCommand => ({ type: 'HaltRollout', ...ref, at, reason });
export const resume: RolloutCommand = { type: 'ResumeRollout', ...ref, at };
export const abort = (mode: 'keep' | 'revert'): RolloutCommand => ({ type: 'AbortRollout', ...ref, at, mode });
export const excluded = (deviceId: string, reason = 'device decommissioned'): RolloutEvent => ({
  type: 'DeviceExcluded',
  schemaVersion: 1,
  data: { ...ref, deviceId, reason },
});
export const exclude = (deviceId: string, reason = 'device decommissioned'): RolloutCommand => ({
  type: 'ExcludeDevice',
  ...ref,
  at,
  deviceId,
  reason,
});
