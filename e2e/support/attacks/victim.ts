import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DataDirLayout, type SimulatedDevice } from '../../../services/agent/src/index.js';
import { createGroup, createRollout, eventually, publishArtifact, rolloutBody, waitForRollout, type ProbeSpec, type RolloutView } from '../operator.js';
import { platformCaOf } from '../device-https.js';
import { startFleet } from '../fleet.js';
import { startTestPlatform, type TestPlatform } from '../test-platform.js';
import { startMetadataProxy, type MetadataProxy } from './metadata-proxy.js';

/**
 * Puts a man in the middle between a real (simulated) agent and the facade: the agent is stopped,
 * its enrollment record is pointed at `proxyUrl` (as DNS spoofing or a hostile network would), and it
 * is started again on the same data dir, keeping its pinned root and trusted metadata.
 */
export async function routeThrough(device: SimulatedDevice, proxyUrl: string): Promise<void> {
  await device.stop();
  const file = new DataDirLayout(device.dataDir).enrollment;
  writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), facadeUrl: proxyUrl }));
  await device.restart();
  await eventually(`${device.name} connected again`, async () => (device.connected ? true : undefined));
}

export const readyProbe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 2 };

/** Publishes `name@version` and rolls it out to `group` (one wave, no failure allowed); returns the finished rollout. */
export async function rollOut(platform: TestPlatform, group: string, name: string, version: string): Promise<RolloutView> {
  await publishArtifact(platform, { name, version, bytes: `${name} ${version}\n${'weights '.repeat(1000)}` });
  const created = await createRollout(platform, rolloutBody(`${name}@${version}`, group, readyProbe, [100]));
  return waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted']);
}

/** What the device kept of `name@version`: whether the version was ever stored, and what the active file holds. */
export function keptOnDevice(device: SimulatedDevice, name: string, version: string): { stored: boolean; active: string | null } {
  const layout = new DataDirLayout(device.dataDir);
  const active = layout.activeFile(name, 'model.onnx');
  return { stored: existsSync(layout.versionDir(name, version)), active: existsSync(active) ? readFileSync(active, 'utf8').split('\n')[0]! : null };
}

/** A platform with one simulated device (group `victim`) that reaches the facade only through a tampering proxy. */
export interface Victim {
  platform: TestPlatform;
  device: SimulatedDevice;
  proxy: MetadataProxy;
  close(): Promise<void>;
}

export async function startVictim(options: Parameters<typeof startTestPlatform>[0] = {}): Promise<Victim> {
  const platform = await startTestPlatform(options);
  const fleet = await startFleet(platform, { count: 1 });
  const device = fleet.devices[0]!;
  await createGroup(platform, 'victim', [device.name]);
  const proxy = await startMetadataProxy(platform.facadeUrl, { as: { dataDir: device.dataDir, ca: platformCaOf(platform) } });
  await routeThrough(device, proxy.url);
  return {
    platform, device, proxy,
    async close() {
      await fleet.stop();
      await proxy.close();
      await platform.destroy();
    },
  };
}
