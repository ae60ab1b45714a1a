import type { LiveRollout } from '../rollout.evolve.js';
import { andWhatFollows, folded, type RolloutDecision } from '../rollout.next-step.js';
import { refuseIfEnded, type RolloutRef } from './decision.js';

/** An operator stops the rollout from widening. */
export type HaltRollout = RolloutRef & { type: 'HaltRollout'; reason: string };
/** An operator lets a halted rollout go on, acknowledging the failures so far. */
export type ResumeRollout = RolloutRef & { type: 'ResumeRollout' };
/** An operator ends the rollout, keeping what devices installed or reverting them. */
export type AbortRollout = RolloutRef & { type: 'AbortRollout'; mode: 'keep' | 'revert' };

const refOf = (command: RolloutRef) => ({ fleet: command.fleet, rolloutId: command.rolloutId });

/** Halting a halted rollout is a no-op; devices in flight carry on, no new device is assigned. */
export function haltRollout(command: HaltRollout, state: LiveRollout): RolloutDecision {
  refuseIfEnded(state);
  if (state.status === 'halted') return folded(state);
  return folded(state, [
    {
      type: 'RolloutHalted',
      schemaVersion: 1,
      data: { ...refOf(command), reason: command.reason, automatic: false, haltedAt: command.at },
    },
  ]);
}

/**
 * The failures so far are acknowledged (the halt rule counts only later ones) and the rollout goes
 * on from where it stood: a wave waiting at its gate waits there again, otherwise the next devices go.
 */
export function resumeRollout(command: ResumeRollout, state: LiveRollout): RolloutDecision {
  refuseIfEnded(state);
  if (state.status !== 'halted') return folded(state);
  return andWhatFollows(
    state,
    [{ type: 'RolloutResumed', schemaVersion: 1, data: { ...refOf(command), resumedAt: command.at } }],
    command.at,
  );
}

/** Aborting again with the same mode is a no-op; with the other mode it is refused (the rollout was aborted). */
export function abortRollout(command: AbortRollout, state: LiveRollout): RolloutDecision {
  if (state.status === 'aborted' && state.mode === command.mode) return folded(state);
  refuseIfEnded(state);
  return folded(state, [
    { type: 'RolloutAborted', schemaVersion: 1, data: { ...refOf(command), mode: command.mode, abortedAt: command.at } },
  ]);
}
