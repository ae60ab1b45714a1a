import { Controller, Inject } from '@nestjs/common';
import { orchestrator } from '@keelson/requests';
import { NotFound } from '@keelson/domain-kit';
import { type RequestContext, type RequestIn, type RequestOut, RequestPattern, eventMetadataOf } from '@keelson/service-kit';
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
export class ChannelRequests {
  constructor(@Inject(ROLLOUT_DEPS) private readonly deps: CreateRolloutDeps) {}

  @RequestPattern(orchestrator.listChannels)
  async list({ fleet, artifactName }: RequestIn<typeof orchestrator.listChannels>): RequestOut<typeof orchestrator.listChannels> {
    return Channels.view(fleet, artifactName, await this.deps.channels.current(fleet, artifactName));
  }

  @RequestPattern(orchestrator.setChannel)
  async set(
    { fleet, artifactName, channel, version, reason }: RequestIn<typeof orchestrator.setChannel>,
    ctx: RequestContext,
  ): RequestOut<typeof orchestrator.setChannel> {
    await bindArtifact(this.deps, fleet, artifactName, version, ctx);
    const state = await this.deps.channels.move(
      { fleet, artifactName, channel, version, at: this.deps.clock.now().toISOString(), ...(reason ? { reason } : {}) },
      eventMetadataOf(ctx),
    );
    return Channels.view(fleet, artifactName, state);
  }

  @RequestPattern(orchestrator.promoteRollout)
  async promote(
    { fleet, rolloutId, channel, reason }: RequestIn<typeof orchestrator.promoteRollout>,
    ctx: RequestContext,
  ): RequestOut<typeof orchestrator.promoteRollout> {
    const rollout = await this.deps.rollouts.current(fleet, rolloutId);
    if (rollout.status === 'absent') throw new NotFound('rollout', rolloutId);
    const { name, version } = rollout.facts.artifact;
    const fromRollout = { rolloutId, status: statusOf(rollout as { status: string; outcome?: string }) };
    const state = await this.deps.channels.move(
      { fleet, artifactName: name, channel, version, fromRollout, at: this.deps.clock.now().toISOString(), ...(reason ? { reason } : {}) },
      eventMetadataOf(ctx),
    );
    return Channels.view(fleet, name, state);
  }
}
