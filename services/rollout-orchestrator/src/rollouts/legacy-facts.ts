import { startedClock } from './device-clock.js';
import type { RolloutDocument, RolloutFactsDocument } from './rollout-document.js';
import { coveredBy } from './wave-plan.js';

/**
 * A rollout document of the `rollouts` read model as the current code expects it. Rows written
 * before the in-flight facts (clocks, reachability, timeouts) existed lack them: their assigned
 * devices are the ones the started waves cover, with clocks counting from the creation.
 */
export function upgradedRollout<R extends RolloutDocument>(state: R): R {
  if (state.status === 'absent' || state.facts.clocks) return state;
  const facts = state.facts as Partial<RolloutFactsDocument> & Pick<RolloutFactsDocument, 'startedWaves' | 'strategy' | 'deviceIds' | 'createdAt'>;
  const covered = facts.startedWaves === 0 ? 0 : coveredBy(facts.strategy, facts.startedWaves - 1, facts.deviceIds.length);
  const clocks = Object.fromEntries(facts.deviceIds.slice(0, covered).map((d) => [d, startedClock(facts.createdAt, true)]));
  const defaults = { acknowledgedFinished: 0, reachability: {}, timedOut: [], lateReports: [] };
  const upgraded = { ...defaults, ...facts, clocks } as RolloutFactsDocument;
  return { ...state, facts: upgraded };
}
