import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { InvalidInput } from '@keelson/domain-kit';
import type { orchestrator, ParsedRequestInput } from '@keelson/requests';
import { eventStreams, type EventStoreNaming } from '@keelson/event-store';
import { eventMetadataOf, type Clock, type RequestContext } from '@keelson/service-kit';
import type { Channels } from '../../channels/channels.js';
import { resolveTarget, type ResolvedTarget } from '../../targeting/resolve-target.js';
import { resolveArtifactTarget, type BoundArtifact } from './bind-artifact.js';
import type { Failpoint } from '../failpoint.js';
import { activeConflicts } from './rollout-conflicts.js';
import type { RolloutClaims } from './rollout-claims.js';
import { creationRules, type CreateRolloutRequest, type RolloutTarget } from '../domain/decisions/create-rollout.js';
import { revertAssignmentId } from '../domain/wave-plan.js';
import type { RolloutViews } from '../read-models/rollout-views.js';
import type { Rollouts } from '../rollouts.js';

/** What creating a rollout needs besides the rollouts themselves. */
export interface CreateRolloutDeps {
  nc: NatsConnection;
  naming: EventStoreNaming;
  rollouts: Rollouts;
  /** The views a command answers with (read-your-writes: built from the state it decided on). */
  views: RolloutViews;
  clock: Clock;
  claims: RolloutClaims;
  channels: Channels;
  failpoint?: Failpoint;
}

type CreateInput = ParsedRequestInput<typeof orchestrator.createRollout>;

/** A creation with the artifact and devices resolved; what is left is the rules and the writes. */
export interface BoundCreation extends RolloutTarget {
  fleet: string;
  rolloutId: string;
  bound: BoundArtifact;
  devices: ResolvedTarget;
  probe: CreateInput['probe'];
  strategy: CreateInput['strategy'];
  onMisfit: 'reject' | 'exclude';
  supersede?: { reason: string };
  retryOf?: string;
}

export const newRolloutId = (): string => `r-${randomBytes(6).toString('hex')}`;

/**
 * Applies the creation rules and writes, holding the claims lock of the fleet and artifact name:
 * the conflicts are read, the pure rules decide (hardware fit, one active rollout per device),
 * superseded rollouts let go of their devices, the rollout is created and its devices claimed.
 * A refusal changes nothing.
 */
export async function createBound(deps: CreateRolloutDeps, c: BoundCreation, ctx: RequestContext): Promise<orchestrator.RolloutView> {
  // Assignment ids are subject tokens; a device id too long to carry one could never be assigned.
  const tooLong = c.devices.deviceIds.find((d) => revertAssignmentId(c.rolloutId, d).length > 63);
  if (tooLong)
    throw new InvalidInput('target.device-id-too-long', [
      { path: ['target'], message: `device id '${tooLong}' is too long to be assigned` },
    ]);
  const at = deps.clock.now().toISOString();
  const { artifact, channel, needs } = c.bound;
  return deps.claims.serialised(c.fleet, artifact.name, async (tx) => {
    const request: CreateRolloutRequest = {
      artifact,
      deviceIds: c.devices.deviceIds,
      hardware: c.devices.hardware,
      probe: c.probe,
      strategy: c.strategy,
      onMisfit: c.onMisfit,
      ...(c.devices.inactive.length > 0 ? { inactive: c.devices.inactive } : {}),
      conflicts: await activeConflicts(deps.rollouts, tx, c.fleet, c.devices.deviceIds),
      ...(Object.keys(needs).length > 0 ? { hardwareNeeds: needs } : {}),
      ...pick(c, ['groupId', 'deviceNames', 'selector', 'supersede', 'retryOf']),
      ...(channel ? { channel } : {}),
    };
    const command = { type: 'CreateRollout' as const, fleet: c.fleet, rolloutId: c.rolloutId, at, ...request };
    const { data, deviceIds } = creationRules(command); // the rules first: a refused creation supersedes nothing
    for (const taken of data.supersedes ?? []) {
      await deps.rollouts.execute(
        {
          type: 'SupersedeDevices',
          fleet: c.fleet,
          rolloutId: taken.rolloutId,
          deviceIds: taken.deviceIds,
          byRolloutId: c.rolloutId,
          reason: c.supersede!.reason,
          at,
        },
        { ...eventMetadataOf(ctx), commandId: `${ctx.commandId}-supersede-${taken.rolloutId}` },
      );
    }
    await tx.markClaimedAtCreation(c.rolloutId); // before the append: the projection waits for this creation
    // The claims before the append: once the events are stored their readers (read models, the first
    // wave's assignments, the audit log) start at once, and would share the cores with this write.
    await tx.claim(c.rolloutId, deviceIds, await nextSequence(deps));
    const { state } = await deps.rollouts.execute(command, eventMetadataOf(ctx));
    deps.failpoint?.('rollout-appended'); // the events are stored; the claims are not committed yet
    return deps.views.view(state);
  });
}

/**
 * A lower bound of the stream sequence the creation's events get: the stream's last one, plus one.
 * The claims carry it (the creation's own is known only after the append): all they are compared
 * with is another creation of the same artifact name, serialised by the lock, and a creation that
 * died before its claims committed (claimed by the projection at its events' sequence), and this
 * bound is above every such creation appended before and below every one appended after.
 */
async function nextSequence(deps: CreateRolloutDeps): Promise<number> {
  const jsm = await jetstreamManager(deps.nc, { checkAPI: false });
  const info = await jsm.streams.info(`${deps.naming.streamPrefix}${eventStreams.orchestrator.name}`);
  return info.state.last_seq + 1;
}

function pick<T extends object, K extends keyof T>(from: T, keys: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => from[k] !== undefined).map((k) => [k, from[k]])) as Partial<Pick<T, K>>;
}

/**
 * Binds a published artifact (a version, or a channel's version now), the target's devices (resolved
 * now, so later group or fleet changes do not move the rollout), a probe and a strategy; the first
 * wave starts (or waits at its gate) at once.
 */
export async function createRollout(deps: CreateRolloutDeps, input: CreateInput, ctx: RequestContext): Promise<orchestrator.RolloutView> {
  const rolloutId = newRolloutId();
  const bound = await resolveArtifactTarget(deps, input.fleet, input.artifact, ctx);
  const devices = await resolveTarget(deps.nc, deps.naming, ctx, input.fleet, input);
  return createBound(deps, { ...input, rolloutId, bound, devices }, ctx);
}
