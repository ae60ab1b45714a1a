import type { orchestrator } from '@keelson/requests';
import { isUnreachableInFlight, isWaitedFor, revertOutcomeOf, standingOf, type TalliedRecord } from '@keelson/events';
import { waveRange } from '../domain/device-ledger.js';
import type { RolloutFacts } from '../domain/rollout.evolve.js';

/**
 * Takes one device's record out of its wave's summary (`sign` -1) or puts it in (1): a change is the
 * old record out, then the new one in (a device without a record adds nothing but itself).
 */
export function countedInWave(summary: orchestrator.WaveSummary, r: TalliedRecord, sign: 1 | -1 = 1): void {
  const standing = standingOf(r);
  summary.assigned += r.clock !== undefined ? sign : 0;
  summary.inFlight += isWaitedFor(r) ? sign : 0;
  summary.unreachable += isUnreachableInFlight(r) ? sign : 0;
  summary.healthy += standing === 'healthy' ? sign : 0;
  summary.failed += standing === 'failed' ? sign : 0;
  summary.timedOut += r.timedOutOrder !== undefined ? sign : 0;
  summary.excluded += standing === 'excluded' ? sign : 0;
}

/** Every wave of the strategy with no device counted yet, each sized for `deviceCount` devices. */
export function emptyWaveSummaries(strategy: RolloutFacts['strategy'], deviceCount: number): orchestrator.WaveSummary[] {
  return strategy.waves.map((w, wave): orchestrator.WaveSummary => {
    const [from, to] = waveRange(strategy, wave, deviceCount);
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
}

/**
 * One summary per wave of the strategy, counting its devices by where they are: from the records
 * the ledger holds (the devices assigned, excluded or reported on), not a pass over every device,
 * so a view of a 100,000-device rollout just created costs its first wave, not its fleet.
 */
export function waveSummaries(facts: RolloutFacts): orchestrator.WaveSummary[] {
  const summaries = emptyWaveSummaries(facts.strategy, facts.devices.deviceCount);
  facts.devices.forEachMember((record, _, wave) => countedInWave(summaries[wave]!, record));
  return summaries;
}

/** The latest report about a device's revert assignment, if any. */
export interface RevertReport {
  state: orchestrator.RevertProgress['state'];
  reason?: string;
}

/** The revert as shown: a timed-out one failed, unless the device reported an outcome of it after all; `assigned` until it reports. */
export function revertShown(revert: RevertReport | undefined, timedOut: boolean): orchestrator.RevertProgress {
  const reported = revert === undefined || revert.state === 'assigned' ? undefined : revert.state;
  const ended = revertOutcomeOf(reported, timedOut);
  if (ended !== undefined && ended !== reported) return { state: ended, reason: 'timeout' };
  if (revert === undefined) return { state: 'assigned' };
  return { state: revert.state, ...(revert.reason === undefined ? {} : { reason: revert.reason }) };
}
