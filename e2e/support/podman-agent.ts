import type { PodmanLab } from '../../services/agent/src/test-fixtures/podman-lab.js';
import type { AgentProcess } from './agent-process.js';
import { eventually } from './operator.js';
import type { TestPlatform } from './test-platform.js';

// A real `keelson-agent run --podman` on a PodmanLab's device storage (e2e/agent-podman-crash.e2e.spec.ts):
// its flags, what its storage holds, and what it reports.

/** The agent's flags for the lab's device storage; containers on the host network (the probe reaches them on loopback). */
export function podmanFlags(lab: PodmanLab): string[] {
  const { root, runroot, storageDriver, runtime } = lab.device;
  return [
    ...['--podman', '--podman-runtime', runtime!, '--podman-root', root!, '--podman-runroot', runroot!],
    ...['--podman-storage-driver', storageDriver!, '--container-run-option=--network=host'],
  ];
}

/** Every container of the device's storage, running or not: `name version-label state`. */
export async function containersOf(lab: PodmanLab): Promise<string[]> {
  const listed = JSON.parse(await lab.devicePodman().run('ps', '--all', '--format', 'json')) as {
    Names: string[];
    Labels: Record<string, string> | null;
    State: string;
  }[];
  return listed.map((c) => `${c.Names.join(',')} ${c.Labels?.['io.keelson.version'] ?? '-'} ${c.State}`);
}

/** The versions whose images are in the device's storage, by the manifest digest each was pulled by (sorted). */
export async function imageVersionsOf(lab: PodmanLab, versionOfDigest: ReadonlyMap<string, string>): Promise<string[]> {
  const listed = JSON.parse(await lab.devicePodman().run('images', '--format', 'json')) as { Names?: string[] | null }[];
  return listed
    .flatMap((i) => i.Names ?? [])
    .map((name) => versionOfDigest.get(name.slice(name.indexOf('@') + 1)) ?? name)
    .sort();
}

/** The agent was killed by `failpoint`, not by anything else: SIGKILL, and its last line says where. */
export async function expectKilledAt(agent: AgentProcess, failpoint: string): Promise<void> {
  expect(await agent.ended).toEqual({ code: null, signal: 'SIGKILL' });
  expect(agent.output().trim().split('\n').at(-1)).toBe(JSON.stringify({ event: 'failpoint', service: 'keelson-agent', failpoint }));
}

/** Waits until the device reports `name@version` installed (`who` names it in the failure); returns all it reports. */
export function reportsInstalled(platform: TestPlatform, deviceId: string, who: string, name: string, version: string) {
  return eventually(`${who} reporting ${name}@${version}`, async () => {
    const { body } = await platform.api<{ installed: { name: string; version: string }[] }>(`/v1/devices/${deviceId}`);
    return body.installed.some((a) => a.name === name && a.version === version) ? body.installed : undefined;
  });
}
