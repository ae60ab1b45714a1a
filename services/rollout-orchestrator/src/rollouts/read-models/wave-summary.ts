import type { orchestrator } from '@keelson/requests';
import { getsRevert, isUnreachableInFlight, isWaitedFor, revertOutcomeOf, standingOf } from '@keelson/events';
import { waveRange, type DeviceRecord } from '../domain/device-ledger.js';
import { isReverting } from '../domain/rollout-phase.js';
import type { LiveRollout, RolloutFacts } from '../domain/rollout.evolve.js';

/** What one device's record adds to its wave's summary (a device without a record adds nothing but itself). */
function count(summary: orchestrator.WaveSummary, r: DeviceRecord): void {
  const standing = standingOf(r);
  summary.assigned += r.clock !== undefined ? 1 : 0;
  summary.inFlight += isWaitedFor(r) ? 1 : 0;
  summary.unreachable += isUnreachableInFlight(r) ? 1 : 0;
  summary.healthy += standing === 'healthy' ? 1 : 0;
  summary.failed += standing === 'failed' ? 1 : 0;
  summary.timedOut += r.timedOutOrder !== undefined ? 1 : 0;
  summary.excluded += standing === 'excluded' ? 1 : 0;
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
    return {
      wave,
      percent: w.percent,
      gate: w.gate,
      devices: to - from,
      assigned: 0,
      inFlight: 0,
      healthy: 0,
      failed: 0,
      timedOut: 0,
      unreachable: 0,
      excluded: 0,
    };
  });
  facts.devices.forEachMember((record, _, wave) => count(summaries[wave]!, record));
  return summaries;
}

/** The latest report about a device's revert assignment, if any. */
export interface RevertReport {
  state: orchestrator.RevertProgress['state'];
  reason?: string;
}

/** The revert as shown: a timed-out one failed, unless the device reported an outcome of it after all; `assigned` until it reports. */
function revertShown(revert: RevertReport | undefined, timedOut: boolean): orchestrator.RevertProgress {
  const reported = revert === undefined || revert.state === 'assigned' ? undefined : revert.state;
  const ended = revertOutcomeOf(reported, timedOut);
  if (ended !== undefined && ended !== reported) return { state: ended, reason: 'timeout' };
  if (revert === undefined) return { state: 'assigned' };
  return { state: revert.state, ...(revert.reason === undefined ? {} : { reason: revert.reason }) };
}

/**
 * What the view adds to a device: `timedOut`, `unreachable` (in flight but silent), and after an
 * abort with revert the revert's progress (`assigned` until the device reports on it).
 */
export function inFlightFlags(state: LiveRollout, deviceId: string, revert: RevertReport | undefined) {
  const r = state.facts.devices.record(deviceId);
  const reverting = isReverting(state) && getsRevert(r);
  return {
    ...(r.timedOutOrder !== undefined ? { timedOut: true as const } : {}),
    ...(isUnreachableInFlight(r) ? { unreachable: true as const } : {}),
    ...(reverting ? { revert: revertShown(revert, r.revertTimedOutOrder !== undefined) } : {}),
  };
}
