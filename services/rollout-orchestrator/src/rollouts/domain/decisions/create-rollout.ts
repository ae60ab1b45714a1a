import { InvalidInput, RuleViolation } from '@keelson/domain-kit';
import {
  chunkDeviceIds,
  maxRolloutDevices,
  maxRolloutEventBytes,
  type ArtifactRef,
  type DeviceHardware,
  type Probe,
  type RolloutCreated,
  type RolloutEvent,
  type Strategy,
  type SupersededRollout,
} from '@keelson/events';
import type { HardwareNeeds } from '../../../targeting/hardware-fit.js';
import { evolve, type LiveRollout, type Rollout } from '../rollout.evolve.js';
import { andWhatFollows, type RolloutDecision } from '../rollout.next-step.js';
import { orderDevices } from '../wave-plan.js';
import type { RolloutRef } from './decision.js';
import { active, fitting, takenOver, targetName } from './rollout-targets.js';

/** How the devices were named; exactly one is set (the edge resolved it to `deviceIds`). */
export interface RolloutTarget {
  groupId?: string;
  deviceNames?: string[];
  selector?: string;
}

/** What a rollout is created from: everything resolved at the edge, the rules decided here. */
export interface CreateRolloutRequest extends RolloutTarget {
  artifact: ArtifactRef;
  /** The channel `artifact.version` was resolved from, if the operator named one. */
  channel?: string;
  deviceIds: string[];
  /**
   * Those of `deviceIds` the gateway does not know as active devices: decommissioned, its only other
   * status (a group keeps its retired members). They are left out and recorded, never targeted.
   */
  inactive?: string[];
  probe: Probe;
  strategy: Strategy;
  /** The artifact's hardware needs and the profile each target device reported. */
  hardwareNeeds?: HardwareNeeds;
  hardware?: Record<string, DeviceHardware>;
  onMisfit?: 'reject' | 'exclude';
  /** Active rollouts of the same artifact name that hold some of these devices (from the index). */
  conflicts?: SupersededRollout[];
  supersede?: { reason: string };
  retryOf?: string;
}

/** An operator creates a rollout; the edge resolved its devices, their hardware and the rollouts in the way. */
export type CreateRollout = RolloutRef & { type: 'CreateRollout' } & CreateRolloutRequest;

/** The `RolloutCreated` data and, apart, its devices in wave order (written in chunks after it). */
type CreatedData = Omit<RolloutCreated['data'], 'deviceIds'> & { deviceIds: string[] };

/** What the rules leave of a creation request: the `RolloutCreated` data and its devices, in the request's order. */
type CreationRules = { data: Omit<CreatedData, 'deviceIds'>; deviceIds: string[] };

/**
 * The creation rules alone, or the refusal: the devices a creation targets, not yet in wave order.
 * The creation runs them before anything is written (its claims need the devices, not their order).
 */
export function creationRules(request: CreateRolloutRequest & { fleet: string; rolloutId: string; at: string }): CreationRules {
  if (request.deviceIds.length === 0) {
    const [code, path] = request.groupId ? ['group.empty', 'groupId'] : ['target.empty', 'target'];
    throw new InvalidInput(code, [{ path: [path], message: `${targetName(request)} has no devices` }]);
  }
  const unique = new Set(request.deviceIds);
  if (unique.size > maxRolloutDevices) {
    const message = `${targetName(request)} has ${unique.size} devices; a rollout takes at most ${maxRolloutDevices}`;
    throw new InvalidInput('target.too-many-devices', [{ path: ['target'], message }]);
  }
  const { deviceIds: live, inactive } = active(request);
  const { deviceIds, misfits } = fitting(request, live);
  const supersedes = takenOver(request, deviceIds);
  const { fleet, rolloutId, artifact, probe, strategy, at } = request;
  const optional = {
    groupId: request.groupId,
    deviceNames: request.deviceNames,
    selector: request.selector,
    channel: request.channel,
    misfits: misfits.length > 0 ? misfits : undefined,
    inactive: inactive.length > 0 ? inactive : undefined,
    supersedes: supersedes.length > 0 ? supersedes : undefined,
    supersedeReason: supersedes.length > 0 ? request.supersede?.reason : undefined,
    retryOf: request.retryOf,
  };
  const defined = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined));
  // the rules only leave devices out: a request without repeats leaves none
  const unordered = unique.size === request.deviceIds.length ? deviceIds : [...new Set(deviceIds)];
  const data = { fleet, rolloutId, artifact, ...defined, deviceCount: unordered.length, probe, strategy, createdAt: at };
  refuseIfTooLarge(data, { misfits: misfits.length, inactive: inactive.length, supersedes: supersedes.flatMap((s) => s.deviceIds).length });
  return { data, deviceIds: unordered };
}

/** The `RolloutCreated` data of a creation request with its devices, or the refusal; the device order is the wave order. */
export function createdData(request: CreateRolloutRequest & { fleet: string; rolloutId: string; at: string }): CreatedData {
  const { data, deviceIds } = creationRules(request);
  return { ...data, deviceIds: orderDevices(request.rolloutId, deviceIds) };
}

/**
 * The devices are chunked, but the misfits, inactive and taken-over devices are recorded in
 * `RolloutCreated` itself: when they are too many for one event, the creation is refused with a
 * clear reason instead of failing at the broker (and so changes nothing).
 */
function refuseIfTooLarge(data: Omit<CreatedData, 'deviceIds'>, counts: { misfits: number; inactive: number; supersedes: number }): void {
  const bytes = Buffer.byteLength(JSON.stringify({ type: 'RolloutCreated', schemaVersion: 2, data }));
  if (bytes <= maxRolloutEventBytes) return;
  const message =
    `the creation would record ${counts.misfits} misfit, ${counts.inactive} inactive and ${counts.supersedes} taken-over device(s): ` +
    `${bytes} bytes, more than one event holds (${maxRolloutEventBytes}); target fewer devices`;
  throw new InvalidInput('target.too-large', [{ path: ['target'], message }]);
}

/**
 * The creation, its devices in chunks that each fit one event (wave order kept) and the first wave:
 * one decision, so one atomic append, and no event grows with the fleet.
 */
export function createRollout(command: CreateRollout, state: Rollout): RolloutDecision {
  if (state.status !== 'absent') throw new RuleViolation('rollout.exists', `rollout '${command.rolloutId}' exists`);
  const { deviceIds, ...data } = createdData(command);
  const { fleet, rolloutId } = command;
  const created: RolloutEvent = { type: 'RolloutCreated', schemaVersion: 2, data };
  let from = 0;
  const targets = chunkDeviceIds(deviceIds).map((chunk): RolloutEvent => {
    const event: RolloutEvent = { type: 'RolloutTargetsAdded', schemaVersion: 1, data: { fleet, rolloutId, from, deviceIds: chunk } };
    from += chunk.length;
    return event;
  });
  const rest = andWhatFollows(evolve(state, created) as LiveRollout, targets, command.at);
  return { events: [created, ...rest.events], state: rest.state };
}
