import { RuleViolation } from '@keelson/domain-kit';
import type { LiveRollout } from '../rollout.evolve.js';
import { andWhatFollows, folded, type RolloutDecision } from '../rollout.next-step.js';
import { refuseIfEnded, type RolloutRef } from './decision.js';

/** An operator opens the manual gate a wave waits at; `wave` names the gate the operator saw. */
export type ApproveWave = RolloutRef & { type: 'ApproveWave'; wave?: number };

/**
 * A wave's gate opens: the wave starts, with what follows it (its devices, up to `maxConcurrent`).
 * Approving a gate that was opened already, or while nothing waits, changes nothing; naming a later
 * wave than the waiting one is refused, so an operator never opens a gate they did not see.
 */
export function approveWave(command: ApproveWave, state: LiveRollout): RolloutDecision {
  refuseIfEnded(state);
  // A halt sets any gate aside: an approval now would change nothing, and a silent 200 reads as done.
  if (state.status === 'halted') {
    throw new RuleViolation(
      'rollout.halted',
      `rollout '${state.facts.rolloutId}' is halted (${state.reason}): nothing to approve until it is resumed; a wave that was waiting at its gate waits there again after the resume`,
    );
  }
  if (state.status !== 'awaiting-approval') return folded(state);
  if (command.wave !== undefined && command.wave < state.wave) return folded(state); // that gate was opened already
  if (command.wave !== undefined && command.wave > state.wave) {
    throw new RuleViolation('wave.not-awaiting-approval', `wave ${command.wave} is not waiting for approval; wave ${state.wave} is`);
  }
  return andWhatFollows(
    state,
    [{ type: 'WaveApproved', schemaVersion: 1, data: { fleet: command.fleet, rolloutId: command.rolloutId, wave: state.wave } }],
    command.at,
  );
}
