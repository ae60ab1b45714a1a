import type { ExperimentDecision } from '@keelson/experiment-stats';

/** The candidate arm's rollout as the decision loop reads it. */
export interface ArmRollout {
  status: string;
  outcome?: string;
  reason?: string;
}

/** What the loop records, or nothing while it keeps collecting. */
export interface AutomaticVerdict {
  outcome: 'promote' | 'abort' | 'inconclusive';
  reason: string;
}

/** Rollout status as a channel promotion reads it: `succeeded`/`failed` once finished. */
export const armStatusOf = (arm: ArmRollout): string => (arm.status === 'finished' ? (arm.outcome ?? arm.status) : arm.status);

/**
 * Why the candidate arm's rollout can no longer install the candidate, if it cannot: its halt rule
 * tripped (a device rolled back, failed or timed out), it finished failed, or someone aborted it.
 */
export function armFailure(arm: ArmRollout | undefined): string | undefined {
  if (arm?.status === 'halted') return `candidate-rollout-halted: ${arm.reason ?? 'halt rule'}`.slice(0, 500);
  if (arm?.status === 'aborted') return 'candidate-rollout-aborted';
  if (arm?.status === 'finished' && arm.outcome === 'failed') return 'candidate-rollout-failed';
  return undefined;
}

/**
 * The loop's verdict on one look. A failed candidate arm aborts the experiment whatever the numbers
 * say (an arm that is not there cannot be judged). A promotion waits for the arm's rollout to have
 * succeeded, but not past the budget: an arm device that went offline for good keeps its rollout
 * open, and must not keep the experiment open with it, so the experiment ends inconclusive for a
 * person. Otherwise the numbers decide.
 */
export function automaticVerdict(
  decision: Pick<ExperimentDecision, 'outcome' | 'reason'>,
  arm: ArmRollout | undefined,
  elapsedMs: number,
  maxDurationMs: number,
): AutomaticVerdict | undefined {
  const failure = armFailure(arm);
  if (failure) return { outcome: 'abort', reason: failure };
  if (decision.outcome === 'continue') return undefined;
  if (decision.outcome === 'promote' && (!arm || armStatusOf(arm) !== 'succeeded')) {
    return elapsedMs < maxDurationMs ? undefined : { outcome: 'inconclusive', reason: 'candidate-arm-incomplete' };
  }
  return { outcome: decision.outcome, reason: decision.reason };
}
