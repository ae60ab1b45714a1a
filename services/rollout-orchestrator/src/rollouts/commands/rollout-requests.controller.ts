import { Controller, Inject } from '@nestjs/common';
import { orchestrator } from '@keelson/requests';
import { type RequestContext, type RequestIn, type RequestOut, RequestPattern, eventMetadataOf } from '@keelson/service-kit';
import { createRollout, type CreateRolloutDeps } from './create-rollout.js';
import { retryRollout } from './retry-rollout.js';
import { ROLLOUT_DEPS } from '../rollout-deps.js';
import type { RolloutCommand } from '../domain/rollout.decider.js';

/**
 * The orchestrator's rollout requests (`cmd.orchestrator.*`). Each operator request returns the
 * view built from the state it just decided on (read-your-writes without waiting for a projection).
 */
@Controller()
export class RolloutRequests {
  constructor(@Inject(ROLLOUT_DEPS) private readonly deps: CreateRolloutDeps) {}

  private async run(command: RolloutCommand, ctx: RequestContext): Promise<orchestrator.RolloutView> {
    return this.deps.views.view((await this.deps.rollouts.execute(command, eventMetadataOf(ctx))).state);
  }

  private at(): string {
    return this.deps.clock.now().toISOString();
  }

  @RequestPattern(orchestrator.createRollout)
  create(input: RequestIn<typeof orchestrator.createRollout>, ctx: RequestContext): RequestOut<typeof orchestrator.createRollout> {
    return createRollout(this.deps, input, ctx);
  }

  @RequestPattern(orchestrator.retryRollout)
  retry(input: RequestIn<typeof orchestrator.retryRollout>, ctx: RequestContext): RequestOut<typeof orchestrator.retryRollout> {
    return retryRollout(this.deps, input, ctx);
  }

  @RequestPattern(orchestrator.getRollout)
  get(input: RequestIn<typeof orchestrator.getRollout>): RequestOut<typeof orchestrator.getRollout> {
    return this.deps.views.get(input.fleet, input.rolloutId);
  }

  @RequestPattern(orchestrator.listRollouts)
  list(input: RequestIn<typeof orchestrator.listRollouts>): RequestOut<typeof orchestrator.listRollouts> {
    return this.deps.views.list(input.fleet, input.limit, input.cursor, input.status);
  }

  @RequestPattern(orchestrator.approveWave)
  approveWave(input: RequestIn<typeof orchestrator.approveWave>, ctx: RequestContext): RequestOut<typeof orchestrator.approveWave> {
    return this.run({ type: 'ApproveWave', ...input, at: this.at() }, ctx);
  }

  @RequestPattern(orchestrator.haltRollout)
  halt(input: RequestIn<typeof orchestrator.haltRollout>, ctx: RequestContext): RequestOut<typeof orchestrator.haltRollout> {
    return this.run({ type: 'HaltRollout', ...input, at: this.at() }, ctx);
  }

  @RequestPattern(orchestrator.resumeRollout)
  resume(input: RequestIn<typeof orchestrator.resumeRollout>, ctx: RequestContext): RequestOut<typeof orchestrator.resumeRollout> {
    return this.run({ type: 'ResumeRollout', ...input, at: this.at() }, ctx);
  }

  @RequestPattern(orchestrator.abortRollout)
  abort(input: RequestIn<typeof orchestrator.abortRollout>, ctx: RequestContext): RequestOut<typeof orchestrator.abortRollout> {
    return this.run({ type: 'AbortRollout', ...input, at: this.at() }, ctx);
  }
}
