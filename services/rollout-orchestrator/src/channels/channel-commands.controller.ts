import { Controller, Inject } from '@nestjs/common';
import { orchestrator, type CommandContract, type CommandOutput, type ParsedCommandInput } from '@keelson/commands';
import { NotFound } from '@keelson/domain-kit';
import { type CommandContext, CommandPattern, eventMetadataOf } from '@keelson/service-kit';
import { bindArtifact } from '../rollouts/bind-artifact.js';
import type { CreateRolloutDeps } from '../rollouts/create-rollout.js';
import { ROLLOUT_DEPS } from '../rollouts/rollout-deps.js';
import { Channels } from './channels.js';

type In<C extends CommandContract> = ParsedCommandInput<C>;
type Out<C extends CommandContract> = Promise<CommandOutput<C>>;
const statusOf = (s: { status: string; outcome?: string }) => (s.status === 'finished' ? s.outcome! : s.status);

/**
 * `list-channels`, `set-channel` and `promote-rollout`. Both moves check the version is published
 * (the registry's word); a promotion also needs the rollout to have succeeded (the decider's rule).
 */
@Controller()
export class ChannelCommands {
  constructor(@Inject(ROLLOUT_DEPS) private readonly deps: CreateRolloutDeps) {}

  @CommandPattern(orchestrator.listChannels)
  async list({ fleet, artifactName }: In<typeof orchestrator.listChannels>): Out<typeof orchestrator.listChannels> {
    return Channels.view(fleet, artifactName, await this.deps.channels.current(fleet, artifactName));
  }

  @CommandPattern(orchestrator.setChannel)
  async set({ fleet, artifactName, channel, version, reason }: In<typeof orchestrator.setChannel>, ctx: CommandContext): Out<typeof orchestrator.setChannel> {
    await bindArtifact(this.deps, fleet, artifactName, version, ctx);
    const state = await this.deps.channels.move({ fleet, artifactName, channel, version, at: this.deps.clock.now().toISOString(), ...(reason ? { reason } : {}) }, eventMetadataOf(ctx));
    return Channels.view(fleet, artifactName, state);
  }

  @CommandPattern(orchestrator.promoteRollout)
  async promote({ fleet, rolloutId, channel, reason }: In<typeof orchestrator.promoteRollout>, ctx: CommandContext): Out<typeof orchestrator.promoteRollout> {
    const rollout = await this.deps.rollouts.current(fleet, rolloutId);
    if (rollout.status === 'absent') throw new NotFound('rollout', rolloutId);
    const { name, version } = rollout.facts.artifact;
    const fromRollout = { rolloutId, status: statusOf(rollout as { status: string; outcome?: string }) };
    const state = await this.deps.channels.move({ fleet, artifactName: name, channel, version, fromRollout, at: this.deps.clock.now().toISOString(), ...(reason ? { reason } : {}) }, eventMetadataOf(ctx));
    return Channels.view(fleet, name, state);
  }
}
