import { readFileSync, writeFileSync } from 'node:fs';
import { DataDirLayout, type SimulatedDevice } from '../../../services/agent/src/index.js';
import { createGroup, eventually } from '../operator.js';
import { platformCaOf } from '../device-https.js';
import { startFleet } from '../fleet.js';
import { startTestPlatform, type TestPlatform } from '../test-platform.js';
import { startMetadataProxy, type MetadataProxy } from '@keelson/agent/testing';

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
    platform,
    device,
    proxy,
    async close() {
      await fleet.stop();
      await proxy.close();
      await platform.destroy();
    },
  };
}
