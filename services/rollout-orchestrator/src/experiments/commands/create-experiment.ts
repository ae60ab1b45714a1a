import { randomBytes } from 'node:crypto';
import { InvalidInput, isDomainError, RuleViolation } from '@keelson/domain-kit';
import type { orchestrator, ParsedRequestInput } from '@keelson/requests';
import { eventMetadataOf, type RequestContext } from '@keelson/service-kit';
import { bindArtifact } from '../../rollouts/commands/bind-artifact.js';
import { misfitReason, type HardwareNeeds } from '../../targeting/hardware-fit.js';
import { resolveTarget, type ResolvedTarget } from '../../targeting/resolve-target.js';
import { assignArms } from '../domain/arm-assignment.js';
import type { ExperimentDeps } from '../experiment-deps.js';
import { startExperimentRollout } from './experiment-rollouts.js';
import type { GroupHoldsTx } from './group-holds.js';

type CreateInput = ParsedRequestInput<typeof orchestrator.createExperiment>;

export const newExperimentId = (): string => `x-${randomBytes(6).toString('hex')}`;

/**
 * Refuses a group that another open experiment holds, or whose devices an active rollout holds: the
 * experiment's arms must differ only in what it installs. Runs inside the group's creation lock.
 */
async function refuseBusyGroup(
  deps: ExperimentDeps,
  holds: GroupHoldsTx,
  fleet: string,
  groupId: string,
  deviceIds: string[],
): Promise<void> {
  const experiments = await holds.open();
  if (experiments.length > 0) {
    throw new RuleViolation('experiment.group-busy', `group '${groupId}' is in experiment ${experiments.map((e) => `'${e}'`).join(', ')}`);
  }
  const rollouts = new Set<string>();
  for (const deviceId of deviceIds) for (const r of await deps.views.activeRolloutsOf(fleet, deviceId)) rollouts.add(r);
  if (rollouts.size > 0) {
    throw new RuleViolation(
      'experiment.group-busy',
      `group '${groupId}' has devices in active rollout ${[...rollouts].map((r) => `'${r}'`).join(', ')}`,
    );
  }
}

/**
 * The group's active devices that can run the candidate (spec: Deploying a model, hardware fit). Both
 * arms are drawn from them, so the control arm runs on hardware the candidate also runs on; a
 * candidate that fits none of the group is refused with each device's reason.
 */
function fittingDevices(group: ResolvedTarget, active: string[], needs: HardwareNeeds, groupId: string, candidate: string): string[] {
  if (Object.keys(needs).length === 0) return active;
  const reasons = new Map(
    active.map((d) => [d, group.hardware[d] ? misfitReason(needs, group.hardware[d]) : 'not an active device of the fleet']),
  );
  const fit = active.filter((d) => reasons.get(d) === null);
  if (fit.length > 0) return fit;
  const shown = active.slice(0, 20).map((d) => ({ path: ['devices', d], message: `${reasons.get(d)}` }));
  throw new InvalidInput('hardware.no-device-fits', [
    { path: ['groupId'], message: `no device of group '${groupId}' fits ${candidate}` },
    ...shown,
  ]);
}

/**
 * Creates an experiment: both versions published, the group's active devices free, the arms drawn
 * (stable, recorded), the plan checked by the decider; then the candidate arm's rollout starts. Every
 * refusal comes before the first write, so a refused experiment records nothing.
 */
export async function createExperiment(
  deps: ExperimentDeps,
  input: CreateInput,
  ctx: RequestContext,
): Promise<orchestrator.ExperimentView> {
  const { fleet, candidate, baseline, groupId, split } = input;
  const { needs } = await bindArtifact(deps, fleet, candidate.name, candidate.version, ctx);
  await bindArtifact(deps, fleet, baseline.name, baseline.version, ctx);
  const group = await resolveTarget(deps.nc, deps.naming, ctx, fleet, { groupId });
  const inactive = new Set(group.inactive);
  const active = group.deviceIds.filter((d) => !inactive.has(d));
  const fit = fittingDevices(group, active, needs, groupId, `${candidate.name}@${candidate.version}`);
  const experimentId = newExperimentId();
  const arms = assignArms(experimentId, fit, split);
  const { primary, guardrails, alpha, minSamples, maxDurationSeconds, probe, strategy, onSuccess } = input;
  // The check, the hold and the append under the group's lock: a creation racing this one waits, then sees the hold.
  const { state } = await deps.experiments.groupHolds.serialised(fleet, groupId, async (holds) => {
    await refuseBusyGroup(deps, holds, fleet, groupId, active);
    await holds.hold(experimentId);
    return deps.experiments.execute(
      {
        type: 'CreateExperiment',
        fleet,
        experimentId,
        at: deps.clock.now().toISOString(),
        candidateName: candidate.name,
        baselineName: baseline.name,
        candidate: candidate.version,
        baseline: baseline.version,
        groupId,
        split,
        plan: { primary, guardrails, alpha, minSamples, maxDurationSeconds },
        probe,
        strategy,
        onSuccess,
        arms: { candidate: arms.candidate, control: arms.control, untouched: active.length - arms.candidate.length - arms.control.length },
      },
      eventMetadataOf(ctx),
    );
  });
  try {
    await startExperimentRollout(deps, state, 'candidate', ctx);
  } catch (err) {
    // The rollout's rules refused the arm (no device fits the candidate, say): the experiment cannot
    // run, so it ends at once, saying why. An infrastructure error is left to the decision loop to retry.
    if (!isDomainError(err)) throw err;
    const reason = `the candidate arm's rollout was refused: ${err.message}`.slice(0, 500);
    await deps.experiments.execute(
      { type: 'StopExperiment', fleet, experimentId, reason, at: deps.clock.now().toISOString() },
      { ...eventMetadataOf(ctx), commandId: `${ctx.commandId}-refused` },
    );
    throw err;
  }
  return deps.experiments.get(fleet, experimentId);
}
