import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
// The simulator is the real agent code; e2e specs import it from its source like any spec of its own.
import {
  DataDirLayout,
  operatorTokenMinter,
  startSimulatedFleet,
  type SimulatedDevice,
  type SimulatedFleetOptions,
} from '../../services/agent/src/index.js';
import { createGroup, eventually } from './operator.js';
import type { TestPlatform } from './test-platform.js';

/** Simulated devices of a test platform's `default` fleet, enrolled through the operator API. */
export interface TestFleet {
  devices: SimulatedDevice[];
  stop(): Promise<void>;
}

export interface FleetOptions {
  count: number;
  /** Names (`sim-1` …), or a rule per assignment, whose simulated application never becomes ready, so their probe fails. */
  failing?: SimulatedFleetOptions['failing'];
  /** Binaries `exec` probes may run (each agent's own allowlist). */
  allowExec?: string[];
  /** For tests only: names whose reverts hold in `applying` while the device stays connected (see the simulator). */
  testOnlyStallReverts?: ReadonlySet<string>;
  /** Names start with this (default `sim-`), so one platform can hold several fleets of them. */
  namePrefix?: string;
  /** Labels and declared hardware (an accelerator, say) per device name. */
  profileOf?: SimulatedFleetOptions['profileOf'];
  /** Each device's application serves these metrics on loopback and its agent sends per-window summaries. */
  appMetrics?: SimulatedFleetOptions['appMetrics'];
  /** Mint enrollment tokens at this api and enroll at this gateway (replicas), not the platform's own. */
  via?: { apiUrl: string; gatewayUrl: string };
}

export async function startFleet(platform: TestPlatform, options: FleetOptions): Promise<TestFleet> {
  const fleet = await startSimulatedFleet({
    count: options.count,
    dataDir: join(platform.home, 'sim'),
    mintToken: mintThrough(platform, options.via),
    ...(options.failing ? { failing: options.failing } : {}),
    ...(options.allowExec ? { allowExec: options.allowExec } : {}),
    ...(options.testOnlyStallReverts ? { testOnlyStallReverts: options.testOnlyStallReverts } : {}),
    ...(options.namePrefix ? { namePrefix: options.namePrefix } : {}),
    ...(options.profileOf ? { profileOf: options.profileOf } : {}),
    ...(options.appMetrics ? { appMetrics: options.appMetrics } : {}),
    heartbeatSeconds: 5,
  });
  // Enrolment is answered before the gateway's device list has the device (a projection): wait as an
  // operator would, until every device is listed and online, before naming devices in a group.
  await eventually('every simulated device listed and reachable', async () => {
    const { body } = await platform.api<{ items: { deviceId: string; reachable: boolean }[] }>('/v1/devices?limit=1000');
    const online = new Set(body.items.filter((d) => d.reachable).map((d) => d.deviceId));
    return fleet.devices.every((d) => online.has(d.deviceId)) ? true : undefined;
  });
  return { devices: fleet.devices, stop: () => fleet.stop() };
}

/** A fleet started as `startFleet` starts it, then a group `group` of all its devices (the fleet stopped if that fails). */
export async function startFleetInGroup(platform: TestPlatform, group: string, options: FleetOptions): Promise<TestFleet> {
  const fleet = await startFleet(platform, options);
  const names = fleet.devices.map((d) => d.name);
  await createGroup(platform, group, names).catch(async (err: unknown) => {
    await fleet.stop();
    throw err;
  });
  return fleet;
}

function mintThrough(platform: TestPlatform, via: FleetOptions['via']): SimulatedFleetOptions['mintToken'] {
  const mint = operatorTokenMinter(via?.apiUrl ?? platform.apiUrl, platform.adminToken, 'default');
  return via ? async () => ({ ...(await mint()), gatewayUrl: via.gatewayUrl }) : mint;
}

/** What the device kept of `name@version`: whether the version was ever stored, and what the active file holds. */
export function keptOnDevice(device: SimulatedDevice, name: string, version: string): { stored: boolean; active: string | null } {
  const layout = new DataDirLayout(device.dataDir);
  const active = layout.activeFile(name, 'model.onnx');
  return {
    stored: existsSync(layout.versionDir(name, version)),
    active: existsSync(active) ? readFileSync(active, 'utf8').split('\n')[0]! : null,
  };
}
