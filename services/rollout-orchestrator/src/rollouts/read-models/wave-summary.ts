import type { orchestrator } from '@keelson/commands';
import { waveRange, type DeviceRecord } from '../domain/device-ledger.js';
import { isAssigned, isLive, isReachable, outcomeOf, type LiveRollout, type RolloutFacts } from '../domain/rollout.evolve.js';

/** Assigned, live, not ended and silent: the device keeps its assignment and updates when it returns. */
export const isUnreachableInFlight = (facts: RolloutFacts, deviceId: string): boolean =>
  isAssigned(facts, deviceId) && !outcomeOf(facts, deviceId) && isLive(facts, deviceId) && !isReachable(facts, deviceId);

const hasTimedOut = (facts: RolloutFacts, deviceId: string) => facts.devices.record(deviceId).timedOutOrder !== undefined;

/** What one device's record adds to its wave's summary (a device without a record adds nothing but itself). */
function count(summary: orchestrator.WaveSummary, r: DeviceRecord): void {
  const outcome = r.outcome?.state;
  const live = r.excludedOrder === undefined;
  const waiting = r.clock !== undefined && !outcome && live;
  summary.assigned += r.clock !== undefined ? 1 : 0;
  summary.inFlight += waiting && r.reachability?.reachable !== false ? 1 : 0;
  summary.unreachable += waiting && r.reachability?.reachable === false ? 1 : 0;
  summary.healthy += outcome === 'healthy' ? 1 : 0;
  summary.failed += outcome !== undefined && outcome !== 'healthy' ? 1 : 0;
  summary.timedOut += r.timedOutOrder !== undefined ? 1 : 0;
  summary.excluded += !outcome && !live ? 1 : 0;
}

/**
 * One summary per wave of the strategy, counting its devices by where they are: from the records
 * the ledger holds (the devices assigned, excluded or reported on), not a pass over every device,
 * so a view of a 100,000-device rollout just created costs its first wave, not its fleet.
 */
export function waveSummaries(facts: RolloutFacts): orchestrator.WaveSummary[] {
  const deviceCount = facts.devices.deviceCount;
  const summaries = facts.strategy.waves.map((w, wave): orchestrator.WaveSummary => {
    const [from, to] = waveRange(facts.strategy, wave, deviceCount);
    return { wave, percent: w.percent, gate: w.gate, devices: to - from, assigned: 0, inFlight: 0, healthy: 0, failed: 0, timedOut: 0, unreachable: 0, excluded: 0 };
  });
  facts.devices.forEachMember((record, _, wave) => count(summaries[wave]!, record));
  return summaries;
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
export function inFlightFlags(state: LiveRollout, deviceId: string, revert: RevertReport | undefined) {
  const { facts } = state;
  const reverting = state.status === 'aborted' && state.mode === 'revert' && isAssigned(facts, deviceId) && isLive(facts, deviceId);
  // a revert that timed out failed, unless the device reported an outcome of it after all
  const reported = revert !== undefined && (revert.state === 'healthy' || revert.state === 'rolled_back' || revert.state === 'failed');
  const shown: RevertReport | undefined = reverting && facts.devices.record(deviceId).revertTimedOutOrder !== undefined && !reported ? { state: 'failed', reason: 'timeout' } : revert;
  return {
    ...(hasTimedOut(facts, deviceId) ? { timedOut: true as const } : {}),
    ...(isUnreachableInFlight(facts, deviceId) ? { unreachable: true as const } : {}),
    ...(reverting ? { revert: shown ? { state: shown.state, ...(shown.reason === undefined ? {} : { reason: shown.reason }) } : { state: 'assigned' as const } } : {}),
  };
}
