import type { NatsConnection } from '@nats-io/transport-node';
import { InvalidInput, NotFound } from '@keelson/domain-kit';
import { gateway } from '@keelson/requests';
import type { EventStoreNaming } from '@keelson/event-store';
import type { DeviceHardware } from '@keelson/events';
import { sendRequest, type RequestContext } from '@keelson/service-kit';
import { findAllDevices, matchAllDevices, type DeviceFit } from './device-pages.js';
import { parseSelector } from './device-selector.js';

/**
 * The devices a target resolved to, in the order the target named them, with each active one's
 * hardware; `inactive` are those of them the gateway no longer counts as active (decommissioned).
 */
export interface ResolvedTarget {
  deviceIds: string[];
  inactive: string[];
  hardware: Record<string, DeviceHardware>;
}

/** Exactly one of these names a rollout's devices (the command schema checks that). */
export interface TargetSpec {
  groupId?: string;
  deviceNames?: string[];
  selector?: string;
}

const refusal = (code: string, path: string, message: string, cause?: unknown) =>
  new InvalidInput(code, [{ path: [path], message }], { cause });

// find-devices answers for active devices only: an id it does not return is no longer active.
function resolved(deviceIds: string[], profiles: DeviceFit[]): ResolvedTarget {
  const targeted = new Set(deviceIds); // a lookup per profile: a group of 100k devices must not cost 100k²
  const hardware = Object.fromEntries(profiles.filter((p) => targeted.has(p.deviceId)).map((p) => [p.deviceId, p.hardware]));
  return { deviceIds, inactive: deviceIds.filter((d) => !Object.hasOwn(hardware, d)), hardware };
}

async function ofGroup(
  nc: NatsConnection,
  naming: EventStoreNaming,
  ctx: RequestContext,
  fleet: string,
  groupId: string,
): Promise<ResolvedTarget> {
  let deviceIds: string[];
  try {
    ({ deviceIds } = await sendRequest(nc, naming, gateway.getGroup, { fleet, groupId }, ctx));
  } catch (err) {
    if (err instanceof NotFound) throw refusal('group.not-found', 'groupId', `group '${groupId}' does not exist in fleet '${fleet}'`, err);
    throw err;
  }
  if (deviceIds.length === 0) throw refusal('group.empty', 'groupId', `group '${groupId}' has no devices`);
  return resolved(deviceIds, await matchAllDevices(nc, naming, ctx, { fleet, deviceIds }));
}

/** Names (or ids) of active devices; every name must resolve, and the ones that do not are listed (spec: Rollouts). */
async function ofNames(
  nc: NatsConnection,
  naming: EventStoreNaming,
  ctx: RequestContext,
  fleet: string,
  names: string[],
): Promise<ResolvedTarget> {
  const unique = [...new Set(names)];
  const profiles = await findAllDevices(nc, naming, ctx, { fleet, names: unique });
  // the devices each name or id stands for, in the gateway's order: one lookup per name
  const byName = new Map<string, string[]>();
  for (const p of profiles) {
    for (const key of new Set([p.name, p.deviceId])) {
      const ids = byName.get(key) ?? [];
      ids.push(p.deviceId);
      byName.set(key, ids);
    }
  }
  const unresolved = unique.filter((n) => !byName.has(n));
  if (unresolved.length > 0) {
    throw new InvalidInput(
      'target.unresolved-names',
      unresolved.map((n) => ({ path: ['deviceNames', n], message: `no active device named '${n}' in fleet '${fleet}'` })),
    );
  }
  const deviceIds = [...new Set(unique.flatMap((n) => byName.get(n)!))];
  return resolved(deviceIds, profiles);
}

async function ofSelector(
  nc: NatsConnection,
  naming: EventStoreNaming,
  ctx: RequestContext,
  fleet: string,
  selector: string,
): Promise<ResolvedTarget> {
  const where = parseSelector(selector); // bad input fails before any query
  const matching = await matchAllDevices(nc, naming, ctx, { fleet, where }); // matched in the gateway's query
  if (matching.length === 0) throw refusal('selector.no-match', 'selector', `no active device of fleet '${fleet}' matches '${selector}'`);
  return resolved(
    matching.map((p) => p.deviceId),
    matching,
  );
}

/**
 * Resolves a rollout's target to devices through the gateway, now: a group's members (a group
 * keeps decommissioned ones; they come back as `inactive`), named active devices, or the active
 * devices a selector matches. The result is recorded in `RolloutCreated`, so later changes to the
 * group or the fleet do not move the rollout.
 */
export function resolveTarget(
  nc: NatsConnection,
  naming: EventStoreNaming,
  ctx: RequestContext,
  fleet: string,
  target: TargetSpec,
): Promise<ResolvedTarget> {
  if (target.groupId !== undefined) return ofGroup(nc, naming, ctx, fleet, target.groupId);
  if (target.deviceNames !== undefined) return ofNames(nc, naming, ctx, fleet, target.deviceNames);
  if (target.selector !== undefined) return ofSelector(nc, naming, ctx, fleet, target.selector);
  throw refusal('target.missing', 'target', 'name exactly one target: groupId, deviceNames or selector');
}

/** Devices already known by id (a retry of a rollout's failed devices), with their hardware; retired ones are `inactive`. */
export async function resolveDeviceIds(
  nc: NatsConnection,
  naming: EventStoreNaming,
  ctx: RequestContext,
  fleet: string,
  deviceIds: string[],
): Promise<ResolvedTarget> {
  return resolved(deviceIds, await matchAllDevices(nc, naming, ctx, { fleet, deviceIds }));
}
