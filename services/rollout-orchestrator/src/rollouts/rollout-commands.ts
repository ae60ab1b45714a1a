import { orchestrator } from '@keelson/commands';
import { eventMetadataOf, handlerFor, type Clock, type CommandContext, type CommandHandler } from '@keelson/service-kit';
import { channelCommandHandlers } from '../channels/channel-commands.js';
import { createRollout, type CreateRolloutDeps } from './create-rollout.js';
import { retryRollout } from './retry-rollout.js';
import type { RolloutCommand } from './rollout.decider.js';


/**
 * The orchestrator's request/reply commands (`cmd.orchestrator.*`). Each operator command returns
 * the view built from the state it just decided on (read-your-writes without waiting for a projection).
 */
export function rolloutCommandHandlers(deps: CreateRolloutDeps & { clock: Clock }): CommandHandler[] {
  const { rollouts, clock } = deps;
  const run = async (command: RolloutCommand, ctx: CommandContext) => rollouts.view((await rollouts.execute(command, eventMetadataOf(ctx))).state);
  const at = () => clock.now().toISOString();
  return [
    handlerFor(orchestrator.createRollout, (input, ctx) => createRollout(deps, input, ctx)),
    handlerFor(orchestrator.retryRollout, (input, ctx) => retryRollout(deps, input, ctx)),
    ...channelCommandHandlers(deps),
    handlerFor(orchestrator.getRollout, (input) => rollouts.get(input.fleet, input.rolloutId)),
    handlerFor(orchestrator.listRollouts, (input) => rollouts.list(input.fleet, input.limit, input.cursor)),
    handlerFor(orchestrator.approveWave, (input, ctx) => run({ type: 'ApproveWave', ...input, at: at() }, ctx)),
    handlerFor(orchestrator.haltRollout, (input, ctx) => run({ type: 'HaltRollout', ...input, at: at() }, ctx)),
    handlerFor(orchestrator.resumeRollout, (input, ctx) => run({ type: 'ResumeRollout', ...input, at: at() }, ctx)),
    handlerFor(orchestrator.abortRollout, (input, ctx) => run({ type: 'AbortRollout', ...input, at: at() }, ctx)),
  ] as CommandHandler[];
}
