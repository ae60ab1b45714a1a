import { Controller, Inject } from '@nestjs/common';
import { orchestrator } from '@keelson/requests';
import { NotFound } from '@keelson/domain-kit';
import { type RequestContext, type RequestIn, type RequestOut, RequestPattern, eventMetadataOf } from '@keelson/service-kit';
import { EXPERIMENT_DEPS, type ExperimentDeps } from '../experiment-deps.js';
import { carryOutVerdict } from './carry-out-verdict.js';
import { createExperiment } from './create-experiment.js';

/** Rollout status as a channel promotion reads it: `succeeded`/`failed` once finished. */
const statusOf = (s: { status: string; outcome?: string }) => (s.status === 'finished' ? (s.outcome ?? s.status) : s.status);

/**
 * The orchestrator's experiment requests (`cmd.orchestrator.*-experiment(s)`). A verdict or a stop is
 * carried out in the same request (channel, follow-up, revert); the decision loop finishes it if
 * this replica dies half-way.
 */
@Controller()
export class ExperimentRequests {
  constructor(@Inject(EXPERIMENT_DEPS) private readonly deps: ExperimentDeps) {}

  @RequestPattern(orchestrator.createExperiment)
  create(input: RequestIn<typeof orchestrator.createExperiment>, ctx: RequestContext): RequestOut<typeof orchestrator.createExperiment> {
    return createExperiment(this.deps, input, ctx);
  }

  @RequestPattern(orchestrator.getExperiment)
  get(input: RequestIn<typeof orchestrator.getExperiment>): RequestOut<typeof orchestrator.getExperiment> {
    return this.deps.experiments.get(input.fleet, input.experimentId);
  }

  @RequestPattern(orchestrator.listExperiments)
  list(input: RequestIn<typeof orchestrator.listExperiments>): RequestOut<typeof orchestrator.listExperiments> {
    return this.deps.experiments.list(input.fleet, input.limit, input.cursor);
  }

  @RequestPattern(orchestrator.listExperimentLooks)
  looks(input: RequestIn<typeof orchestrator.listExperimentLooks>): RequestOut<typeof orchestrator.listExperimentLooks> {
    return this.deps.experiments.looks(input.fleet, input.experimentId, input.limit, input.cursor);
  }

  @RequestPattern(orchestrator.decideExperiment)
  async decide(
    { fleet, experimentId, outcome, reason }: RequestIn<typeof orchestrator.decideExperiment>,
    ctx: RequestContext,
  ): RequestOut<typeof orchestrator.decideExperiment> {
    const before = await this.deps.experiments.current(fleet, experimentId);
    if (before.status === 'absent') throw new NotFound('experiment', experimentId);
    const armRollout = before.facts.rollouts.candidate;
    const arm = armRollout ? await this.deps.rollouts.current(fleet, armRollout) : undefined;
    const candidateRolloutStatus = arm && arm.status !== 'absent' ? statusOf(arm as { status: string; outcome?: string }) : undefined;
    const command = {
      type: 'DecideExperiment' as const,
      fleet,
      experimentId,
      outcome,
      decidedBy: 'operator' as const,
      reason,
      at: this.at(),
      candidateRolloutStatus,
    };
    const { state } = await this.deps.experiments.execute(command, eventMetadataOf(ctx));
    await carryOutVerdict(this.deps, state, ctx);
    return this.deps.experiments.get(fleet, experimentId);
  }

  @RequestPattern(orchestrator.stopExperiment)
  async stop(
    { fleet, experimentId, reason }: RequestIn<typeof orchestrator.stopExperiment>,
    ctx: RequestContext,
  ): RequestOut<typeof orchestrator.stopExperiment> {
    const { state } = await this.deps.experiments.execute(
      { type: 'StopExperiment', fleet, experimentId, reason, at: this.at() },
      eventMetadataOf(ctx),
    );
    await carryOutVerdict(this.deps, state, ctx);
    return this.deps.experiments.get(fleet, experimentId);
  }

  private at(): string {
    return this.deps.clock.now().toISOString();
  }
}
