import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Assignment } from '@keelson/events/device-protocol';
import { fileProbePath } from '../probes/file-probe.js';

/** Which simulated devices run a version that does not come up: a fixed set of names, or a rule. */
export type FailingDevices = ReadonlySet<string> | ((device: { name: string; deviceId: string }, assignment: Assignment) => boolean);

export function isFailing(
  failing: FailingDevices | undefined,
  device: { name: string; deviceId: string },
  assignment: Assignment,
): boolean {
  if (!failing) return false;
  return typeof failing === 'function' ? failing(device, assignment) : failing.has(device.name);
}

/**
 * Plays the workload of one simulated device. When a version becomes active the application
 * "restarts": its readiness file (the file probe's path inside the device's probe root) goes away,
 * and a healthy device writes it again once the new version is "loaded". A failing device never
 * does, so its file probe fails for real and the agent rolls it back.
 */
export async function simulateApplication(probeRoot: string, assignment: Assignment, healthy: boolean): Promise<void> {
  const { probe, artifact } = assignment;
  if (probe.kind !== 'file') return; // exec and http probes check something real outside the simulation
  const readiness = fileProbePath(probe.path, probeRoot);
  await rm(readiness, { force: true });
  if (!healthy) return;
  await mkdir(dirname(readiness), { recursive: true });
  await writeFile(readiness, `${artifact.name}@${artifact.version} ready at ${new Date().toISOString()}\n`);
}
