import { orchestrator } from '@keelson/commands';
import { NotFound } from '@keelson/domain-kit';
import { eventMetadataOf, handlerFor, type CommandHandler } from '@keelson/service-kit';
import { bindArtifact } from '../rollouts/bind-artifact.js';
import type { CreateRolloutDeps } from '../rollouts/create-rollout.js';
import { Channels } from './channels.js';

const statusOf = (s: { status: string; outcome?: string }) => (s.status === 'finished' ? s.outcome! : s.status);

/**
 * `list-channels`, `set-channel` and `promote-rollout`. Both moves check the version is published
 * (the registry's word); a promotion also needs the rollout to have succeeded (the decider's rule).
 */
export function channelCommandHandlers(deps: Pick<CreateRolloutDeps, 'nc' | 'naming' | 'rollouts' | 'clock' | 'channels'>): CommandHandler[] {
  const { channels, rollouts, clock } = deps;
  return [
    handlerFor(orchestrator.listChannels, async ({ fleet, artifactName }) => Channels.view(fleet, artifactName, await channels.current(fleet, artifactName))),
    handlerFor(orchestrator.setChannel, async ({ fleet, artifactName, channel, version, reason }, ctx) => {
      await bindArtifact(deps, fleet, artifactName, version, ctx);
      const state = await channels.move({ fleet, artifactName, channel, version, at: clock.now().toISOString(), ...(reason ? { reason } : {}) }, eventMetadataOf(ctx));
      return Channels.view(fleet, artifactName, state);
    }),
    handlerFor(orchestrator.promoteRollout, async ({ fleet, rolloutId, channel, reason }, ctx) => {
      const rollout = await rollouts.current(fleet, rolloutId);
      if (rollout.status === 'absent') throw new NotFound('rollout', rolloutId);
      const { name, version } = rollout.facts.artifact;
      const fromRollout = { rolloutId, status: statusOf(rollout as { status: string; outcome?: string }) };
      const state = await channels.move({ fleet, artifactName: name, channel, version, fromRollout, at: clock.now().toISOString(), ...(reason ? { reason } : {}) }, eventMetadataOf(ctx));
      return Channels.view(fleet, name, state);
    }),
  ] as CommandHandler[];
}
