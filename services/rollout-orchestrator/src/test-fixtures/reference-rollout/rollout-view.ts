import { orchestrator } from '@keelson/requests';
import {
  assignedDevices,
  isLive,
  isReachable,
  outcomeOf,
  type LiveRollout,
  type RolloutFacts,
} from '../../rollouts/domain/rollout.evolve.js';
import type { DeviceProgress } from '../../rollouts/read-models/rollout-view.js';
import type { RevertReport } from '../../rollouts/read-models/wave-summary.js';
import { waveOfEachDevice } from '../../rollouts/domain/wave-plan.js';

// The rollout view as it was built before it counted from the ledger's records: every device of
// every wave visited, a set of the assigned and a map of each device's wave, O(devices) per view.
// Kept as the reference the ledger-based view must equal.

const isUnreachableInFlight = (facts: RolloutFacts, deviceId: string, assigned: ReadonlySet<string>): boolean =>
  assigned.has(deviceId) && !outcomeOf(facts, deviceId) && isLive(facts, deviceId) && !isReachable(facts, deviceId);

const hasTimedOut = (facts: RolloutFacts, deviceId: string) => facts.devices.record(deviceId).timedOutOrder !== undefined;

function waveSummaries(facts: RolloutFacts, waveOf: ReadonlyMap<string, number>): orchestrator.WaveSummary[] {
  const assigned = new Set(assignedDevices(facts));
  return facts.strategy.waves.map((w, wave) => {
    const members = facts.deviceIds.filter((d) => (waveOf.get(d) ?? 0) === wave);
    const outcomes = members.map((d) => outcomeOf(facts, d)?.state);
    const unreachable = members.filter((d) => isUnreachableInFlight(facts, d, assigned)).length;
    const waiting = members.filter((d) => assigned.has(d) && !outcomeOf(facts, d) && isLive(facts, d)).length;
    return {
      wave,
      percent: w.percent,
      gate: w.gate,
      devices: members.length,
      assigned: members.filter((d) => assigned.has(d)).length,
      inFlight: waiting - unreachable,
      healthy: outcomes.filter((o) => o === 'healthy').length,
      failed: outcomes.filter((o) => o !== undefined && o !== 'healthy').length,
      timedOut: members.filter((d) => hasTimedOut(facts, d)).length,
      unreachable,
      excluded: members.filter((d) => !outcomeOf(facts, d) && !isLive(facts, d)).length,
    };
  });
}

function inFlightFlags(state: LiveRollout, deviceId: string, assigned: ReadonlySet<string>, revert: RevertReport | undefined) {
  const { facts } = state;
  const reverting = state.status === 'aborted' && state.mode === 'revert' && assigned.has(deviceId) && isLive(facts, deviceId);
  // a revert that timed out failed, unless the device reported an outcome of it after all
  const reported = revert !== undefined && (revert.state === 'healthy' || revert.state === 'rolled_back' || revert.state === 'failed');
  const shown: RevertReport | undefined =
    reverting && facts.devices.record(deviceId).revertTimedOutOrder !== undefined && !reported
      ? { state: 'failed', reason: 'timeout' }
      : revert;
  return {
    ...(hasTimedOut(facts, deviceId) ? { timedOut: true as const } : {}),
    ...(isUnreachableInFlight(facts, deviceId, assigned) ? { unreachable: true as const } : {}),
    ...(reverting
      ? {
          revert: shown
            ? { state: shown.state, ...(shown.reason === undefined ? {} : { reason: shown.reason }) }
            : { state: 'assigned' as const },
        }
      : {}),
  };
}

const statusOf = (state: LiveRollout): orchestrator.RolloutView['status'] => (state.status === 'finished' ? state.outcome : state.status);

export function referenceRolloutView(
  state: LiveRollout,
  progress: ReadonlyMap<string, DeviceProgress>,
  reverts: ReadonlyMap<string, RevertReport> = new Map(),
): orchestrator.RolloutView {
  const { facts } = state;
  const waves = waveOfEachDevice(facts.strategy, facts.deviceIds);
  const assigned = new Set(assignedDevices(facts));
  const stateOf = (deviceId: string) => {
    const wave = waves.get(deviceId) ?? 0;
    const outcome = outcomeOf(facts, deviceId);
    if (!outcome && !isLive(facts, deviceId)) return { deviceId, wave, state: 'excluded' as const };
    const latest = outcome ?? progress.get(deviceId);
    if (latest) return { deviceId, wave, state: latest.state, ...(latest.reason === undefined ? {} : { reason: latest.reason }) };
    return { deviceId, wave, state: assigned.has(deviceId) ? ('assigned' as const) : ('pending' as const) };
  };
  const listed =
    facts.deviceIds.length > orchestrator.maxViewDevices ? facts.deviceIds.slice(0, orchestrator.maxViewDevices) : facts.deviceIds;
  const devices = listed.map((deviceId) => ({ ...stateOf(deviceId), ...inFlightFlags(state, deviceId, assigned, reverts.get(deviceId)) }));
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
    waves: waveSummaries(facts, waves),
  };
}
