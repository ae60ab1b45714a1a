import { createHash } from 'node:crypto';
import type { RequestContext } from '@keelson/service-kit';
import { bindArtifact } from '../../rollouts/commands/bind-artifact.js';
import { createBound } from '../../rollouts/commands/create-rollout.js';
import { resolveDeviceIds, resolveTarget } from '../../targeting/resolve-target.js';
import type { LiveExperiment } from '../domain/experiment.js';
import type { ExperimentDeps } from '../experiment-deps.js';

export type ExperimentRolloutArm = 'candidate' | 'follow-up' | 'revert';

/** The id of the rollout an experiment starts for `arm`: derived, so a retry after a crash finds the one it started. */
export function experimentRolloutId(experimentId: string, arm: ExperimentRolloutArm): string {
  return `r-${createHash('sha256').update(`${experimentId}/${arm}`).digest('hex').slice(0, 12)}`;
}

/** The devices of `arm`'s rollout: the candidate arm, or (after a promotion) the group's other devices now. */
async function devicesOf(deps: ExperimentDeps, state: LiveExperiment, arm: ExperimentRolloutArm, ctx: RequestContext): Promise<string[]> {
  if (arm !== 'follow-up') return state.facts.candidateDeviceIds;
  const { fleet, groupId } = state.facts.created;
  const candidates = new Set(state.facts.candidateDeviceIds);
  const group = await resolveTarget(deps.nc, deps.naming, ctx, fleet, { groupId });
  const inactive = new Set(group.inactive);
  return group.deviceIds.filter((d) => !candidates.has(d) && !inactive.has(d));
}

/**
 * Starts an experiment's rollout through the ordinary rollout path (TUF, probes, local rollback, halt
 * rule) and records it on the experiment: the candidate on the candidate arm, the candidate on the
 * rest of the group (`follow-up`, with the strategy of `--then-rollout`), or the baseline back on the
 * candidate arm (`revert`). Idempotent: a rollout already created under the derived id is only recorded.
 */
export async function startExperimentRollout(
  deps: ExperimentDeps,
  state: LiveExperiment,
  arm: ExperimentRolloutArm,
  ctx: RequestContext,
): Promise<string | undefined> {
  const { fleet, experimentId, artifactName, candidate, baseline, probe, strategy, onSuccess } = state.facts.created;
  const rolloutId = experimentRolloutId(experimentId, arm);
  if ((await deps.rollouts.current(fleet, rolloutId)).status === 'absent') {
    const deviceIds = await devicesOf(deps, state, arm, ctx);
    if (deviceIds.length === 0) return undefined; // a group that is all candidate arm has no rest to roll out to
    const bound = await bindArtifact(deps, fleet, artifactName, arm === 'revert' ? baseline : candidate, ctx);
    const devices = await resolveDeviceIds(deps.nc, deps.naming, ctx, fleet, deviceIds);
    const armStrategy = arm === 'follow-up' ? (onSuccess.thenRollout?.strategy ?? strategy) : strategy;
    const rolloutCtx = { ...ctx, commandId: `${ctx.commandId}-${arm}-rollout` };
    await createBound(
      deps,
      { fleet, rolloutId, bound, devices, deviceNames: deviceIds, probe, strategy: armStrategy, onMisfit: 'exclude' },
      rolloutCtx,
    );
  }
  const meta = { actor: ctx.actor, correlationId: ctx.correlationId, commandId: `${ctx.commandId}-${arm}-recorded` };
  await deps.experiments.execute(
    { type: 'RecordExperimentRollout', fleet, experimentId, arm, rolloutId, at: deps.clock.now().toISOString() },
    meta,
  );
  return rolloutId;
}
