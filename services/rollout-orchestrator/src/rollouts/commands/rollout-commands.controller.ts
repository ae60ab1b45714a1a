import { Controller, Inject } from '@nestjs/common';
import { orchestrator } from '@keelson/commands';
import { type CommandContext, type CommandIn, type CommandOut, CommandPattern, eventMetadataOf } from '@keelson/service-kit';
import { createRollout, type CreateRolloutDeps } from './create-rollout.js';
import { retryRollout } from './retry-rollout.js';
import { ROLLOUT_DEPS } from '../rollout-deps.js';
import type { RolloutCommand } from '../domain/rollout.decider.js';

/**
 * The orchestrator's rollout commands (`cmd.orchestrator.*`). Each operator command returns the
 * view built from the state it just decided on (read-your-writes without waiting for a projection).
 */
@Controller()
export class RolloutCommands {
  constructor(@Inject(ROLLOUT_DEPS) private readonly deps: CreateRolloutDeps) {}

  private async run(command: RolloutCommand, ctx: CommandContext): Promise<orchestrator.RolloutView> {
    return this.deps.views.view((await this.deps.rollouts.execute(command, eventMetadataOf(ctx))).state);
  }

  private at(): string {
    return this.deps.clock.now().toISOString();
  }

  @CommandPattern(orchestrator.createRollout)
  create(input: CommandIn<typeof orchestrator.createRollout>, ctx: CommandContext): CommandOut<typeof orchestrator.createRollout> {
    return createRollout(this.deps, input, ctx);
  }

  @CommandPattern(orchestrator.retryRollout)
  retry(input: CommandIn<typeof orchestrator.retryRollout>, ctx: CommandContext): CommandOut<typeof orchestrator.retryRollout> {
    return retryRollout(this.deps, input, ctx);
  }

  @CommandPattern(orchestrator.getRollout)
  get(input: CommandIn<typeof orchestrator.getRollout>): CommandOut<typeof orchestrator.getRollout> {
    return this.deps.views.get(input.fleet, input.rolloutId);
  }

  @CommandPattern(orchestrator.listRollouts)
  list(input: CommandIn<typeof orchestrator.listRollouts>): CommandOut<typeof orchestrator.listRollouts> {
    return this.deps.views.list(input.fleet, input.limit, input.cursor, input.status);
  }

  @CommandPattern(orchestrator.approveWave)
  approveWave(input: CommandIn<typeof orchestrator.approveWave>, ctx: CommandContext): CommandOut<typeof orchestrator.approveWave> {
    return this.run({ type: 'ApproveWave', ...input, at: this.at() }, ctx);
  }

  @CommandPattern(orchestrator.haltRollout)
  halt(input: CommandIn<typeof orchestrator.haltRollout>, ctx: CommandContext): CommandOut<typeof orchestrator.haltRollout> {
    return this.run({ type: 'HaltRollout', ...input, at: this.at() }, ctx);
  }

  @CommandPattern(orchestrator.resumeRollout)
  resume(input: CommandIn<typeof orchestrator.resumeRollout>, ctx: CommandContext): CommandOut<typeof orchestrator.resumeRollout> {
    return this.run({ type: 'ResumeRollout', ...input, at: this.at() }, ctx);
  }

  @CommandPattern(orchestrator.abortRollout)
  abort(input: CommandIn<typeof orchestrator.abortRollout>, ctx: CommandContext): CommandOut<typeof orchestrator.abortRollout> {
    return this.run({ type: 'AbortRollout', ...input, at: this.at() }, ctx);
  }
}
