import type { orchestrator } from '@keelson/commands';
import { assignedDevices, isLive, isReachable, outcomeOf, type LiveRollout, type RolloutFacts } from './rollout.evolve.js';

/** Assigned, live, not ended and silent: the device keeps its assignment and updates when it returns. */
export const isUnreachableInFlight = (facts: RolloutFacts, deviceId: string, assigned: ReadonlySet<string>): boolean =>
  assigned.has(deviceId) && !outcomeOf(facts, deviceId) && isLive(facts, deviceId) && !isReachable(facts, deviceId);

const hasTimedOut = (facts: RolloutFacts, deviceId: string) => facts.devices.record(deviceId).timedOutOrder !== undefined;

/** One summary per wave of the strategy, counting its devices by where they are. */
export function waveSummaries(facts: RolloutFacts, waveOf: ReadonlyMap<string, number>): orchestrator.WaveSummary[] {
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

/** The latest report about a device's revert assignment, if any. */
export interface RevertReport {
  state: orchestrator.RevertProgress['state'];
  reason?: string;
}

/**
 * What the view adds to a device: `timedOut`, `unreachable` (in flight but silent), and after an
 * abort with revert the revert's progress (`assigned` until the device reports on it).
 */
export function inFlightFlags(state: LiveRollout, deviceId: string, assigned: ReadonlySet<string>, revert: RevertReport | undefined) {
  const { facts } = state;
  const reverting = state.status === 'aborted' && state.mode === 'revert' && assigned.has(deviceId) && isLive(facts, deviceId);
  return {
    ...(hasTimedOut(facts, deviceId) ? { timedOut: true as const } : {}),
    ...(isUnreachableInFlight(facts, deviceId, assigned) ? { unreachable: true as const } : {}),
    ...(reverting ? { revert: revert ? { state: revert.state, ...(revert.reason === undefined ? {} : { reason: revert.reason }) } : { state: 'assigned' as const } } : {}),
  };
}
