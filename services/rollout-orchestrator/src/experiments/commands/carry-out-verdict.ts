import type { RequestContext } from '@keelson/service-kit';
import type { LiveExperiment } from '../domain/experiment.js';
import type { ExperimentDeps } from '../experiment-deps.js';
import { startExperimentRollout } from './experiment-rollouts.js';

const isActive = (status: string) => status !== 'absent' && status !== 'finished' && status !== 'aborted';

/**
 * Does what an ended experiment asked for, then records it done (`ExperimentSettled`). Each step is
 * idempotent, so the decision loop can run it again after a crash half-way:
 * - promoted: the `onSuccess` channel moves to the candidate (the channel decider's no-op when it is
 *   there already) and the follow-up rollout starts;
 * - aborted: the candidate arm goes back to the baseline: an arm rollout still under way is aborted
 *   with `revert`, one that finished is answered by a rollout of the baseline to the arm;
 * - stopped: an arm rollout still under way is aborted with `keep`.
 */
export async function carryOutVerdict(deps: ExperimentDeps, state: LiveExperiment, ctx: RequestContext): Promise<void> {
  if (state.status !== 'promoted' && state.status !== 'aborted' && state.status !== 'stopped') return;
  if (state.settled) return;
  const { fleet, experimentId, artifactName, candidate, onSuccess } = state.facts.created;
  const at = () => deps.clock.now().toISOString();
  const meta = (step: string) => ({ actor: ctx.actor, correlationId: ctx.correlationId, commandId: `${ctx.commandId}-${step}` });
  const armRolloutId = state.facts.rollouts.candidate;
  const arm = armRolloutId ? await deps.rollouts.current(fleet, armRolloutId) : undefined;
  if (state.status === 'promoted') {
    if (onSuccess.promote) {
      const reason = `promoted by experiment ${experimentId}`;
      await deps.channels.move({ fleet, artifactName, channel: onSuccess.promote, version: candidate, reason, at: at() }, meta('channel'));
    }
    if (onSuccess.thenRollout && !state.facts.rollouts.followUp) await startExperimentRollout(deps, state, 'follow-up', ctx);
  } else if (arm && armRolloutId && isActive(arm.status)) {
    const mode = state.status === 'aborted' ? 'revert' : 'keep';
    await deps.rollouts.execute({ type: 'AbortRollout', fleet, rolloutId: armRolloutId, mode, at: at() }, meta(`arm-${mode}`));
  } else if (state.status === 'aborted' && arm?.status === 'finished' && !state.facts.rollouts.revert) {
    await startExperimentRollout(deps, state, 'revert', ctx);
  }
  await deps.experiments.execute({ type: 'SettleExperiment', fleet, experimentId, at: at() }, meta('settled'));
}
