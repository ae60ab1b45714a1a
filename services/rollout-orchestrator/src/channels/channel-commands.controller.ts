import { Controller, Inject } from '@nestjs/common';
import { orchestrator } from '@keelson/commands';
import { NotFound } from '@keelson/domain-kit';
import { type CommandContext, type CommandIn, type CommandOut, CommandPattern, eventMetadataOf } from '@keelson/service-kit';
import { bindArtifact } from '../rollouts/commands/bind-artifact.js';
import type { CreateRolloutDeps } from '../rollouts/commands/create-rollout.js';
import { ROLLOUT_DEPS } from '../rollouts/rollout-deps.js';
import { Channels } from './channels.js';
const statusOf = (s: { status: string; outcome?: string }) => (s.status === 'finished' ? s.outcome! : s.status);

/**
 * `list-channels`, `set-channel` and `promote-rollout`. Both moves check the version is published
 * (the registry's word); a promotion also needs the rollout to have succeeded (the decider's rule).
 */
@Controller()
export class ChannelCommands {
  constructor(@Inject(ROLLOUT_DEPS) private readonly deps: CreateRolloutDeps) {}

  @CommandPattern(orchestrator.listChannels)
  async list({ fleet, artifactName }: CommandIn<typeof orchestrator.listChannels>): CommandOut<typeof orchestrator.listChannels> {
    return Channels.view(fleet, artifactName, await this.deps.channels.current(fleet, artifactName));
  }

  @CommandPattern(orchestrator.setChannel)
  async set({ fleet, artifactName, channel, version, reason }: CommandIn<typeof orchestrator.setChannel>, ctx: CommandContext): CommandOut<typeof orchestrator.setChannel> {
    await bindArtifact(this.deps, fleet, artifactName, version, ctx);
    const state = await this.deps.channels.move({ fleet, artifactName, channel, version, at: this.deps.clock.now().toISOString(), ...(reason ? { reason } : {}) }, eventMetadataOf(ctx));
    return Channels.view(fleet, artifactName, state);
  }

  @CommandPattern(orchestrator.promoteRollout)
  async promote({ fleet, rolloutId, channel, reason }: CommandIn<typeof orchestrator.promoteRollout>, ctx: CommandContext): CommandOut<typeof orchestrator.promoteRollout> {
    const rollout = await this.deps.rollouts.current(fleet, rolloutId);
    if (rollout.status === 'absent') throw new NotFound('rollout', rolloutId);
    const { name, version } = rollout.facts.artifact;
    const fromRollout = { rolloutId, status: statusOf(rollout as { status: string; outcome?: string }) };
    const state = await this.deps.channels.move({ fleet, artifactName: name, channel, version, fromRollout, at: this.deps.clock.now().toISOString(), ...(reason ? { reason } : {}) }, eventMetadataOf(ctx));
    return Channels.view(fleet, name, state);
  }
}
