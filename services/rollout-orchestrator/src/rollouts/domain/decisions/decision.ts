import { RuleViolation } from '@keelson/domain-kit';
import type { LiveRollout } from '../rollout.evolve.js';

/** What every rollout command names: the aggregate, and when the command happened (stamped at the edge). */
export interface RolloutRef {
  fleet: string;
  rolloutId: string;
  at: string;
}

/** Finished and aborted rollouts count nothing more and widen no more. */
export const isEnded = (state: LiveRollout): boolean => state.status === 'aborted' || state.status === 'finished';

/** Finished and aborted rollouts take no further operator changes. */
export function refuseIfEnded(state: LiveRollout): void {
  if (state.status === 'finished')
    throw new RuleViolation('rollout.finished', `rollout '${state.facts.rolloutId}' has finished (${state.outcome})`);
  if (state.status === 'aborted') throw new RuleViolation('rollout.aborted', `rollout '${state.facts.rolloutId}' was aborted`);
}
