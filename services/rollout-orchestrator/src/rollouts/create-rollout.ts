import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import { InvalidInput, NotFound, RuleViolation } from '@keelson/domain-kit';
import { gateway, registry, type orchestrator, type ParsedCommandInput } from '@keelson/commands';
import type { EventStoreNaming } from '@keelson/event-store';
import type { ArtifactRef } from '@keelson/events';
import { callCommand, type Clock, type CommandContext } from '@keelson/service-kit';
import { revertAssignmentId } from './wave-plan.js';
import type { Rollouts } from './rollouts.js';

/** What creating a rollout needs besides the rollouts themselves. */
export interface CreateRolloutDeps {
  nc: NatsConnection;
  naming: EventStoreNaming;
  rollouts: Rollouts;
  clock: Clock;
}

type CreateInput = ParsedCommandInput<typeof orchestrator.createRollout>;

export const newRolloutId = (): string => `r-${randomBytes(6).toString('hex')}`;
const metaOf = (ctx: CommandContext) => ({ actor: ctx.actor, correlationId: ctx.correlationId, commandId: ctx.commandId });
const refusal = (code: string, path: string, message: string, cause: unknown) => new InvalidInput(code, [{ path: [path], message }], { cause });

/** The published artifact the rollout binds; the registry's refusals become input errors of this request. */
async function resolveArtifact(deps: CreateRolloutDeps, input: CreateInput, ctx: CommandContext): Promise<ArtifactRef> {
  const { name, version } = input.artifact;
  try {
    return await callCommand(deps.nc, deps.naming, registry.resolveArtifact, { fleet: input.fleet, name, version }, ctx);
  } catch (err) {
    if (err instanceof NotFound) throw refusal('artifact.not-found', 'artifact', `artifact ${name}@${version} does not exist in fleet '${input.fleet}'`, err);
    if (err instanceof RuleViolation && err.code === 'artifact.not-published') {
      throw refusal('artifact.not-published', 'artifact', `artifact ${name}@${version} is not published (signed) yet`, err);
    }
    throw err;
  }
}

async function resolveGroup(deps: CreateRolloutDeps, input: CreateInput, ctx: CommandContext, rolloutId: string): Promise<string[]> {
  let deviceIds: string[];
  try {
    ({ deviceIds } = await callCommand(deps.nc, deps.naming, gateway.getGroup, { fleet: input.fleet, groupId: input.groupId }, ctx));
  } catch (err) {
    if (err instanceof NotFound) throw refusal('group.not-found', 'groupId', `group '${input.groupId}' does not exist in fleet '${input.fleet}'`, err);
    throw err;
  }
  if (deviceIds.length === 0) throw refusal('group.empty', 'groupId', `group '${input.groupId}' has no devices`, undefined);
  // Assignment ids are subject tokens; a device id too long to carry one could never be assigned.
  const tooLong = deviceIds.find((d) => revertAssignmentId(rolloutId, d).length > 63);
  if (tooLong) throw refusal('group.device-id-too-long', 'groupId', `device id '${tooLong}' is too long to be assigned`, undefined);
  return deviceIds;
}

/**
 * Binds a published artifact, a group's devices (resolved now, so later group changes do not move
 * the rollout), a probe and a strategy; the first wave starts (or waits at its gate) at once.
 */
export async function createRollout(deps: CreateRolloutDeps, input: CreateInput, ctx: CommandContext): Promise<orchestrator.RolloutView> {
  const rolloutId = newRolloutId();
  const artifact = await resolveArtifact(deps, input, ctx);
  const deviceIds = await resolveGroup(deps, input, ctx, rolloutId);
  const { state } = await deps.rollouts.execute(
    { type: 'CreateRollout', fleet: input.fleet, rolloutId, at: deps.clock.now().toISOString(), artifact, groupId: input.groupId, deviceIds, probe: input.probe, strategy: input.strategy },
    metaOf(ctx),
  );
  return deps.rollouts.view(state);
}
