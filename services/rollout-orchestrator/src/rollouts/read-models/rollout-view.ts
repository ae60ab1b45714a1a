import { orchestrator } from '@keelson/requests';
import { standingOf, type DeviceState } from '@keelson/events';
import type { LiveRollout } from '../domain/rollout.evolve.js';
import { inFlightFlags, waveSummaries, type RevertReport } from './wave-summary.js';

type RolloutView = orchestrator.RolloutView;

/** The latest report a device sent about its install assignment of one rollout. */
export interface DeviceProgress {
  deviceId: string;
  state: DeviceState;
  reason?: string;
}

const statusOf = (state: LiveRollout): RolloutView['status'] => (state.status === 'finished' ? state.outcome : state.status);

/**
 * A rollout as operators see it: the aggregate's state plus each device's latest progress. A device
 * is `pending` until its wave starts, then `assigned`, then whatever it last reported (or `excluded`
 * once it is no longer a live target); the recorded
 * outcome wins over a report (both are terminal, the outcome is what the rollout counted).
 */
export function rolloutView(
  state: LiveRollout,
  progress: ReadonlyMap<string, DeviceProgress>,
  reverts: ReadonlyMap<string, RevertReport> = new Map(),
): RolloutView {
  const { facts } = state;
  const stateOf = (deviceId: string) => {
    const wave = facts.devices.waveOf(deviceId);
    const record = facts.devices.record(deviceId);
    const standing = standingOf(record);
    if (standing === 'excluded') return { deviceId, wave, state: 'excluded' as const };
    const latest = record.outcome ?? progress.get(deviceId);
    if (latest) return { deviceId, wave, state: latest.state, ...(latest.reason === undefined ? {} : { reason: latest.reason }) };
    return { deviceId, wave, state: standing === 'pending' ? ('pending' as const) : ('assigned' as const) };
  };
  // a reply must not grow with the fleet, nor its making: the waves count the devices with a record, the list shows the first ones
  const listed =
    facts.deviceIds.length > orchestrator.maxViewDevices ? facts.deviceIds.slice(0, orchestrator.maxViewDevices) : facts.deviceIds;
  const devices = listed.map((deviceId) => ({ ...stateOf(deviceId), ...inFlightFlags(state, deviceId, reverts.get(deviceId)) }));
  return {
    fleet: facts.fleet,
    rolloutId: facts.rolloutId,
    artifact: facts.artifact,
    ...(facts.groupId === undefined ? {} : { groupId: facts.groupId }),
    ...facts.targeting,
    probe: facts.probe,
    strategy: facts.strategy,
    status: statusOf(state),
    currentWave: state.status === 'awaiting-approval' ? state.wave : Math.max(0, facts.startedWaves - 1),
    ...(state.status === 'halted' ? { haltReason: state.reason } : {}),
    ...(state.status === 'aborted' ? { abortMode: state.mode, finishedAt: state.abortedAt } : {}),
    ...(state.status === 'finished' ? { finishedAt: state.finishedAt } : {}),
    createdAt: facts.createdAt,
    devices,
    ...(listed.length < facts.deviceIds.length ? { deviceCount: facts.deviceIds.length } : {}),
    waves: waveSummaries(facts),
  };
}
