import type { Assignment, DeviceState } from '@keelson/events/device-protocol';
import type { AgentLog } from '../agent-options.js';
import type { EnrollOptions } from '../enrollment/enroll.js';
import type { SimulatedMetric } from './app-metrics-spec.js';
import type { FailingDevices } from './simulated-application.js';
import { startDevice, type SimulatedDevice } from './simulated-device.js';

export interface SimulatedFleetOptions {
  /** How many devices: `<namePrefix>1` … `<namePrefix><count>`. */
  count: number;
  /** Each device lives in `<dataDir>/<name>/agent` (its agent data dir) and `<dataDir>/<name>/probe-root`. */
  dataDir: string;
  namePrefix?: string;
  /** What a device reports of itself at enrollment besides the host's memory and architecture, by name. */
  profileOf?: (name: string) => Pick<EnrollOptions, 'labels' | 'hardware'>;
  /** A fresh one-time enrollment token and the gateway to enroll at; called only for devices not enrolled yet. */
  mintToken: () => Promise<{ token: string; gatewayUrl: string; caFingerprint?: string }>;
  /** Devices whose application never becomes ready after a swap (checked at every swap, so a Set may change). */
  failing?: FailingDevices;
  /**
   * For tests only: devices (by name) whose reverts hold in `applying` until the device stops. The
   * agent stays connected and keeps heartbeating, so the platform sees a reachable device that never
   * reports how its revert ended (a revert timeout).
   */
  testOnlyStallReverts?: ReadonlySet<string>;
  allowExec?: readonly string[];
  heartbeatSeconds?: number;
  probeRetryPauseMs?: number;
  /** Enrollments and starts in flight at once (default 16). */
  concurrency?: number;
  /** Each device serves these metrics on its own loopback endpoint, and its agent scrapes them (`--app-metrics`). */
  appMetrics?: { metrics: readonly SimulatedMetric[]; windowSeconds?: number; scrapeSeconds?: number };
  onReport?: (device: SimulatedDevice, assignment: Assignment, state: DeviceState, reason?: string) => void;
  log?: AgentLog;
}

export interface SimulatedFleet {
  devices: SimulatedDevice[];
  byName(name: string): SimulatedDevice;
  stop(): Promise<void>;
}

async function inBatches<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}

/**
 * Runs `count` device agents from the real agent code in this process: each with its own key,
 * certificate, MQTT connection and data dir. Devices already enrolled under `dataDir` are reused.
 */
export async function startSimulatedFleet(options: SimulatedFleetOptions): Promise<SimulatedFleet> {
  const prefix = options.namePrefix ?? 'sim-';
  const names = Array.from({ length: options.count }, (_, i) => `${prefix}${i + 1}`);
  const started: SimulatedDevice[] = [];
  const closers: (() => Promise<void>)[] = [];
  let devices: SimulatedDevice[];
  try {
    devices = await inBatches(names, options.concurrency ?? 16, async (name) => {
      const device = await startDevice(name, options, closers);
      started.push(device);
      return device;
    });
  } catch (err) {
    await Promise.all(started.map((d) => d.stop())); // no half-started fleet left running behind an error
    await Promise.all(closers.map((close) => close()));
    throw err;
  }
  return {
    devices,
    byName(name) {
      const device = devices.find((d) => d.name === name);
      if (!device) throw new Error(`no simulated device named ${name}`);
      return device;
    },
    async stop() {
      await Promise.all(devices.map((d) => d.stop()));
      await Promise.all(closers.map((close) => close()));
    },
  };
}
