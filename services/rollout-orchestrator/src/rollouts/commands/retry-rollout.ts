import { NotFound, RuleViolation } from '@keelson/domain-kit';
import type { orchestrator, ParsedRequestInput } from '@keelson/requests';
import type { RequestContext } from '@keelson/service-kit';
import { resolveDeviceIds } from '../../targeting/resolve-target.js';
import { bindArtifact } from './bind-artifact.js';
import { createBound, newRolloutId, type CreateRolloutDeps } from './create-rollout.js';
import { hasFailed, isLiveTarget } from '@keelson/events';
import type { RolloutFacts } from '../domain/rollout.decider.js';

type RetryInput = ParsedRequestInput<typeof orchestrator.retryRollout>;

/** The devices of a rollout that ended its update `rolled_back` or `failed` and are still targets. */
export function failedDevices(facts: RolloutFacts): string[] {
  return facts.deviceIds.filter((d) => {
    const r = facts.devices.record(d);
    return isLiveTarget(r) && hasFailed(r);
  });
}

/**
 * Retries a rollout's failed devices as a new rollout of the same artifact version and probe,
 * linked by `retryOf` (spec: retry of failed devices as a new, linked rollout). The original keeps
 * its history; a failed device is no longer held by it, so the retry needs no supersede.
 */
export async function retryRollout(deps: CreateRolloutDeps, input: RetryInput, ctx: RequestContext): Promise<orchestrator.RolloutView> {
  const original = await deps.rollouts.current(input.fleet, input.rolloutId);
  if (original.status === 'absent') throw new NotFound('rollout', input.rolloutId);
  const { facts } = original;
  const failed = failedDevices(facts);
  if (failed.length === 0)
    throw new RuleViolation('rollout.nothing-to-retry', `rollout '${input.rolloutId}' has no failed or rolled-back device`);
  const bound = await bindArtifact(deps, input.fleet, facts.artifact.name, facts.artifact.version, ctx);
  const devices = await resolveDeviceIds(deps.nc, deps.naming, ctx, input.fleet, failed);
  return createBound(
    deps,
    {
      fleet: input.fleet,
      rolloutId: newRolloutId(),
      bound,
      devices,
      deviceNames: failed,
      probe: facts.probe,
      strategy: input.strategy ?? facts.strategy,
      onMisfit: input.onMisfit,
      retryOf: input.rolloutId,
    },
    ctx,
  );
}
