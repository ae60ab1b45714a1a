import type { SimulatedDevice } from '../../services/agent/src/index.js';
import {
  auditOf,
  createRollout,
  eventually,
  publishArtifact,
  rolloutBody,
  waitForRollout,
  type AuditEntry,
  type ProbeSpec,
} from './operator.js';
import type { TestPlatform } from './test-platform.js';

// An operator's hand on a running rollout (e2e/rollout-control.e2e.spec.ts): an artifact's previous
// version installed, a gated rollout of the next one waiting at its manual gate, and what the device
// list shows of their assignments.

/** A device as the api's device list shows it, with its assignments. */
export interface DeviceView {
  deviceId: string;
  assignments: { assignmentId: string; rolloutId: string; state?: string }[];
}

export const gateProbe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1 };

/** Two waves of 50 % and 100 %, the second behind a manual gate. */
export const gatedRollout = (artifact: string, group: string) =>
  rolloutBody(artifact, group, gateProbe, [50, 100], { gates: ['auto', 'manual'] });

/** The bytes of `name@version`, as published and as a device's active file holds them once installed. */
export const bytesOf = (name: string, version: string) => Buffer.from(`${name} ${version} ${name.repeat(2_000)}`);

export async function deviceViews(platform: TestPlatform): Promise<DeviceView[]> {
  return (await platform.api<{ items: DeviceView[] }>('/v1/devices?limit=1000')).body.items;
}

/** Publishes `name@1.0.0` and `name@2.0.0` and installs 1.0.0 on the group: the "previous artifact". */
export async function onVersionOne(platform: TestPlatform, name: string, group: string): Promise<void> {
  await publishArtifact(platform, { name, version: '1.0.0', bytes: bytesOf(name, '1.0.0') });
  await publishArtifact(platform, { name, version: '2.0.0', bytes: bytesOf(name, '2.0.0') });
  const first = await createRollout(platform, rolloutBody(`${name}@1.0.0`, group, gateProbe, [100]));
  expect((await waitForRollout(platform, first.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
}

/** Starts a gated 2.0.0 rollout on a group of four and waits until its first wave is healthy and the gate is closed. */
export async function atTheGate(platform: TestPlatform, name: string, group: string) {
  const created = await createRollout(platform, gatedRollout(`${name}@2.0.0`, group));
  const waiting = await waitForRollout(platform, created.rolloutId, ['awaiting-approval', 'succeeded', 'failed', 'halted']);
  expect(waiting.status).toBe('awaiting-approval');
  const updated = waiting.devices.filter((d) => d.wave === 0);
  expect(updated.map((d) => d.state)).toEqual(['healthy', 'healthy']);
  expect(waiting.devices.filter((d) => d.wave === 1).map((d) => d.state)).toEqual(['pending', 'pending']);
  return {
    rolloutId: created.rolloutId,
    updated: updated.map((d) => d.deviceId),
    waiting: waiting.devices.filter((d) => d.wave === 1).map((d) => d.deviceId),
  };
}

/**
 * A later rollout through the same assignments reactor (one event at a time, in stream order)
 * and the same device read model: once the device list shows its assignment, it shows every
 * assignment sent before it.
 */
export async function afterEarlierAssignments(platform: TestPlatform, name: string, deviceName: string): Promise<void> {
  const marker = `${name}-marker`;
  await publishArtifact(platform, { name: marker, version: '1.0.0', bytes: bytesOf(marker, '1.0.0') });
  const strategy = { waves: [{ percent: 100, gate: 'auto' }], maxFailures: 0 };
  const later = await platform.api<{ rolloutId: string }>('/v1/rollouts', {
    body: { artifact: `${marker}@1.0.0`, devices: [deviceName], probe: gateProbe, strategy },
  });
  expect(later.status).toBe(201);
  await eventually(`the assignment of ${marker} listed`, async () =>
    (await deviceViews(platform)).some((v) => v.assignments.some((a) => a.rolloutId === later.body.rolloutId)) ? true : undefined,
  );
  expect((await waitForRollout(platform, later.body.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
}

/**
 * Waits until the rollout's audit log notes `device` (un)reachable, and returns the log up to that
 * entry: what the orchestrator had decided about the rollout by then.
 */
export function reachabilityNoted(platform: TestPlatform, rolloutId: string, device: SimulatedDevice, reachable: boolean) {
  return eventually(
    `${device.name} noted ${reachable ? 'back' : 'unreachable'}`,
    async (): Promise<AuditEntry[] | undefined> => {
      const entries = await auditOf(platform, `rollout=${rolloutId}`);
      const at = entries.findIndex(
        (e) => e.type.endsWith('DeviceReachabilityNoted') && e.data.deviceId === device.deviceId && e.data.reachable === reachable,
      );
      return at === -1 ? undefined : entries.slice(0, at + 1);
    },
    90_000,
  );
}
