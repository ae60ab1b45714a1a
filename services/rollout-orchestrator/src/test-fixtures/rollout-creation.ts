import type { RolloutEvent } from '@keelson/events';
import { rolloutDecider, type RolloutCommand } from '../rollouts/domain/rollout.decider.js';
import { orderDevices } from '../rollouts/domain/wave-plan.js';
import { artifact, at, probe, ref, rolloutId, strategy } from './rollout-history.js';

// A one-wave rollout of three devices, two of which misfit the hardware needs: what the creation specs command and expect.
const oneWave = strategy([[100, 'manual']]);
export const orin = { accelerator: 'jetson-orin', memoryMb: 16_000 };
export const needs = { accelerator: 'jetson-orin', minMemoryMb: 8000 };
export const three = ['d-00', 'd-01', 'd-02'];
export const hardware = { 'd-00': orin, 'd-01': { accelerator: 'hailo-8', memoryMb: 16_000 }, 'd-02': { ...orin, memoryMb: 4000 } };

export const create = (extra: Partial<Extract<RolloutCommand, { type: 'CreateRollout' }>> = {}): RolloutCommand => ({
  type: 'CreateRollout',
  ...ref,
  at,
  artifact,
  deviceIds: three,
  probe,
  strategy: oneWave,
  ...extra,
});
export const createdWith = (data: Record<string, unknown>, deviceIds = three): RolloutEvent[] => [
  {
    type: 'RolloutCreated',
    schemaVersion: 2,
    data: { ...ref, artifact, ...data, deviceCount: deviceIds.length, probe, strategy: oneWave, createdAt: at },
  },
  { type: 'RolloutTargetsAdded', schemaVersion: 1, data: { ...ref, from: 0, deviceIds: orderDevices(rolloutId, deviceIds) } },
];
export const awaiting: RolloutEvent = { type: 'WaveAwaitingApproval', schemaVersion: 1, data: { ...ref, wave: 0 } };
export const createdEvents = (command: RolloutCommand) => rolloutDecider.decide(command, rolloutDecider.initialState());
