import { randomUUID } from 'node:crypto';
import { InvalidInput } from '@keelson/domain-kit';
import type { RolloutEvent } from '@keelson/events';
import type { orchestrator, ParsedRequestInput } from '@keelson/requests';
import type { FakeGateway } from './fake-gateway.js';
import type { FakeRegistry } from './fake-registry.js';

/** What the fake orchestrator's creation reads: published artifacts, devices and groups, channels; and the next rollout number. */
export interface FakeCreationSources {
  registry: FakeRegistry;
  gateway: FakeGateway;
  /** Channel versions by `<fleet>/<artifact>/<channel>`. */
  channels: Map<string, string>;
  nextId(): number;
}

/**
 * A create-rollout as the fake orchestrator answers it: the rollout's view, and its events as the
 * orchestrator writes them (the devices in chunks after the creation, then the first wave's start).
 */
export function fakeCreation(
  ctx: FakeCreationSources,
  input: ParsedRequestInput<typeof orchestrator.createRollout>,
  createdAt: string,
): { view: orchestrator.RolloutView; events: RolloutEvent[] } {
  const { fleet, artifact: target, groupId, deviceNames, selector, probe, strategy } = input;
  const version = 'version' in target ? target.version : ctx.channels.get(`${fleet}/${target.name}/${target.channel}`);
  const artifact = { name: target.name, version };
  const found = ctx.registry.artifacts.find((a) => a.fleet === fleet && a.name === artifact.name && a.version === artifact.version);
  if (!found)
    throw new InvalidInput('artifact.not-found', [{ path: ['artifact'], message: `no artifact ${artifact.name}@${artifact.version}` }]);
  // a selector stands for every device of the fleet here; matching it is the orchestrator's business
  const devices = ctx.gateway.devices.filter((d) => d.fleet === fleet && (selector !== undefined || deviceNames?.includes(d.name)));
  const group =
    groupId !== undefined
      ? ctx.gateway.groups.find((g) => g.fleet === fleet && g.groupId === groupId)
      : { deviceIds: devices.map((d) => d.deviceId) };
  if (!group) throw new InvalidInput('group.not-found', [{ path: ['groupId'], message: `no group ${groupId}` }]);
  const rolloutId = `r-${ctx.nextId()}-${randomUUID().slice(0, 8)}`;
  const ref = {
    name: found.name,
    version: found.version,
    kind: found.kind,
    targetPath: found.targetPath,
    sha256: found.sha256,
    length: found.length,
  };
  const view: orchestrator.RolloutView = {
    fleet,
    rolloutId,
    artifact: ref,
    ...(groupId ? { groupId } : {}),
    ...(deviceNames ? { deviceNames } : {}),
    ...(selector ? { selector } : {}),
    probe,
    strategy,
    status: 'running',
    currentWave: 0,
    createdAt,
    devices: group.deviceIds.map((deviceId) => ({ deviceId, wave: 0, state: 'assigned' as const })),
  };
  const events: RolloutEvent[] = [
    // as the orchestrator writes them: the devices in chunks after the creation and the wave's start
    {
      type: 'RolloutCreated',
      schemaVersion: 2,
      data: {
        fleet,
        rolloutId,
        artifact: ref,
        ...(groupId ? { groupId } : {}),
        deviceCount: group.deviceIds.length,
        probe,
        strategy,
        createdAt,
      },
    },
    { type: 'RolloutTargetsAdded', schemaVersion: 1, data: { fleet, rolloutId, from: 0, deviceIds: group.deviceIds } },
    { type: 'WaveStarted', schemaVersion: 2, data: { fleet, rolloutId, wave: 0, startedAt: createdAt } },
    {
      type: 'DevicesAssigned',
      schemaVersion: 1,
      data: { fleet, rolloutId, wave: 0, deviceIds: group.deviceIds, assignedAt: createdAt },
    },
  ];
  return { view, events };
}
