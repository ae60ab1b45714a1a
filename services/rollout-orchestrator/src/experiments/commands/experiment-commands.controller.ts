import { Controller, Inject } from '@nestjs/common';
import { orchestrator } from '@keelson/commands';
import { NotFound } from '@keelson/domain-kit';
import { type CommandContext, type CommandIn, type CommandOut, CommandPattern, eventMetadataOf } from '@keelson/service-kit';
import { EXPERIMENT_DEPS, type ExperimentDeps } from '../experiment-deps.js';
import { carryOutVerdict } from './carry-out-verdict.js';
import { createExperiment } from './create-experiment.js';

/** Rollout status as a channel promotion reads it: `succeeded`/`failed` once finished. */
const statusOf = (s: { status: string; outcome?: string }) => (s.status === 'finished' ? (s.outcome ?? s.status) : s.status);

/**
 * The orchestrator's experiment commands (`cmd.orchestrator.*-experiment(s)`). A verdict or a stop is
 * carried out in the same request (channel, follow-up, revert); the decision loop finishes it if
 * this replica dies half-way.
 */
@Controller()
export class ExperimentCommands {
  constructor(@Inject(EXPERIMENT_DEPS) private readonly deps: ExperimentDeps) {}

  @CommandPattern(orchestrator.createExperiment)
  create(input: CommandIn<typeof orchestrator.createExperiment>, ctx: CommandContext): CommandOut<typeof orchestrator.createExperiment> {
    return createExperiment(this.deps, input, ctx);
  }

  @CommandPattern(orchestrator.getExperiment)
  get(input: CommandIn<typeof orchestrator.getExperiment>): CommandOut<typeof orchestrator.getExperiment> {
    return this.deps.experiments.get(input.fleet, input.experimentId);
  }

  @CommandPattern(orchestrator.listExperiments)
  list(input: CommandIn<typeof orchestrator.listExperiments>): CommandOut<typeof orchestrator.listExperiments> {
    return this.deps.experiments.list(input.fleet, input.limit, input.cursor);
  }

  @CommandPattern(orchestrator.listExperimentLooks)
  looks(input: CommandIn<typeof orchestrator.listExperimentLooks>): CommandOut<typeof orchestrator.listExperimentLooks> {
    return this.deps.experiments.looks(input.fleet, input.experimentId, input.limit, input.cursor);
  }

  @CommandPattern(orchestrator.decideExperiment)
  async decide({ fleet, experimentId, outcome, reason }: CommandIn<typeof orchestrator.decideExperiment>, ctx: CommandContext): CommandOut<typeof orchestrator.decideExperiment> {
    const before = await this.deps.experiments.current(fleet, experimentId);
    if (before.status === 'absent') throw new NotFound('experiment', experimentId);
    const armRollout = before.facts.rollouts.candidate;
    const arm = armRollout ? await this.deps.rollouts.current(fleet, armRollout) : undefined;
    const candidateRolloutStatus = arm && arm.status !== 'absent' ? statusOf(arm as { status: string; outcome?: string }) : undefined;
    const command = { type: 'DecideExperiment' as const, fleet, experimentId, outcome, decidedBy: 'operator' as const, reason, at: this.at(), candidateRolloutStatus };
    const { state } = await this.deps.experiments.execute(command, eventMetadataOf(ctx));
    await carryOutVerdict(this.deps, state, ctx);
    return this.deps.experiments.get(fleet, experimentId);
  }

  @CommandPattern(orchestrator.stopExperiment)
  async stop({ fleet, experimentId, reason }: CommandIn<typeof orchestrator.stopExperiment>, ctx: CommandContext): CommandOut<typeof orchestrator.stopExperiment> {
    const { state } = await this.deps.experiments.execute({ type: 'StopExperiment', fleet, experimentId, reason, at: this.at() }, eventMetadataOf(ctx));
    await carryOutVerdict(this.deps, state, ctx);
    return this.deps.experiments.get(fleet, experimentId);
  }

  private at(): string {
    return this.deps.clock.now().toISOString();
  }
}
