import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Assignment, DeviceState } from '@keelson/events/device-protocol';
import { startAgent, type AgentLog, type RunningAgent } from '../agent.js';
import { DataDirLayout, basenameOf } from '../data-dir/layout.js';
import { enrollDevice, type EnrollOptions } from '../enrollment/enroll.js';
import { isEnrolled, readDeviceIdentity } from '../enrollment/device-identity.js';
import { startAppMetricsServer, type AppMetricsServer } from './app-metrics-server.js';
import type { SimulatedMetric } from './app-metrics-spec.js';
import { isFailing, simulateApplication, type FailingDevices } from './simulated-application.js';

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

export interface SimulatedDevice {
  name: string;
  deviceId: string;
  /** The agent's data dir: the active file is `<dataDir>/artifacts/<artifact>/current/<basename>`. */
  dataDir: string;
  probeRoot: string;
  readonly running: boolean;
  /** Its MQTT session is up (the gateway lists it as reachable a moment after its hello). */
  readonly connected: boolean;
  /** Every report this device sent, in order (a terminal one is sent again after each reconnect). */
  reports: { assignmentId: string; rolloutId: string; state: DeviceState; reason?: string }[];
  /** The active file for a target path (`model/yolo/2.1.0/model.onnx` -> `.../artifacts/yolo/current/model.onnx`). */
  activeFile(artifactName: string, targetPath: string): string;
  stop(): Promise<void>;
  /** An abrupt crash: no MQTT DISCONNECT, halts at the next step boundary. */
  kill(): Promise<void>;
  /** Starts the agent again on the same data dir (after stop or kill). */
  restart(): Promise<void>;
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

async function startDevice(name: string, options: SimulatedFleetOptions, closers: (() => Promise<void>)[]): Promise<SimulatedDevice> {
  const dataDir = join(options.dataDir, name, 'agent');
  const probeRoot = join(options.dataDir, name, 'probe-root');
  await mkdir(probeRoot, { recursive: true });
  let agent: RunningAgent | null = null;
  let releaseHeld: () => void = () => {};
  // Stopping sets the agent halted first, so a held revert released then reports nothing more.
  const halt = async (how: (running: RunningAgent) => Promise<void>) => {
    const halting = agent ? how(agent) : Promise.resolve();
    releaseHeld();
    await halting;
  };
  const metricsServer = await appMetricsServerOf(name, options, () => agent);
  if (metricsServer) closers.push(() => metricsServer.close()); // kept across a stop and restart of the agent
  const layout = new DataDirLayout(dataDir);
  // A busy or just-started gateway may refuse or drop one attempt; each attempt needs a fresh one-time token.
  for (let attempt = 1; !(await isEnrolled(layout)); attempt++) {
    try {
      const { token, gatewayUrl, caFingerprint } = await options.mintToken();
      await enrollDevice({ gatewayUrl, token, dataDir, name, ...options.profileOf?.(name), ...(caFingerprint ? { caFingerprint } : {}) });
    } catch (err) {
      if (attempt >= 3) throw new Error(`could not enroll simulated device ${name}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
  const { deviceId } = await readDeviceIdentity(layout);
  const device: SimulatedDevice = {
    name,
    deviceId,
    dataDir,
    probeRoot,
    reports: [],
    get running() {
      return agent !== null;
    },
    get connected() {
      return agent?.connected ?? false;
    },
    activeFile: (artifactName, targetPath) => layout.activeFile(artifactName, basenameOf(targetPath)),
    async stop() {
      await halt((running) => running.stop());
      agent = null;
    },
    async kill() {
      await halt((running) => running.kill());
      agent = null;
    },
    async restart() {
      if (agent) throw new Error(`${name} is running`);
      agent = await launch();
    },
  };
  const launch = () =>
    startAgent({
      dataDir,
      probeRoot,
      ...(options.allowExec ? { allowExec: options.allowExec } : {}),
      ...(options.heartbeatSeconds ? { heartbeatSeconds: options.heartbeatSeconds } : {}),
      ...(options.probeRetryPauseMs === undefined ? {} : { probeRetryPauseMs: options.probeRetryPauseMs }),
      ...(metricsServer ? { metrics: { url: metricsServer.url, ...pick(options.appMetrics, 'windowSeconds', 'scrapeSeconds') } } : {}),
      ...(options.log ? { log: (event, fields) => options.log!(event, { device: name, ...fields }) } : {}),
      onActivated: async (assignment) => {
        if (assignment.action === 'revert' && options.testOnlyStallReverts?.has(name))
          await new Promise<void>((resolve) => (releaseHeld = resolve));
        await simulateApplication(probeRoot, assignment, !isFailing(options.failing, { name, deviceId }, assignment));
      },
      onReport: (assignment, state, reason) => {
        device.reports.push({
          assignmentId: assignment.assignmentId,
          rolloutId: assignment.rolloutId,
          state,
          ...(reason ? { reason } : {}),
        });
        options.onReport?.(device, assignment, state, reason);
      },
    });
  agent = await launch();
  return device;
}

/** The device's application metrics endpoint, when the fleet simulates them; it answers for whatever the agent runs. */
async function appMetricsServerOf(
  name: string,
  options: SimulatedFleetOptions,
  agent: () => RunningAgent | null,
): Promise<AppMetricsServer | undefined> {
  if (!options.appMetrics) return undefined;
  return startAppMetricsServer(name, options.appMetrics.metrics, async () => ((await agent()?.installed()) ?? []).map((a) => a.version));
}

function pick<T extends object, K extends keyof T>(from: T | undefined, ...keys: K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => from?.[k] !== undefined).map((k) => [k, from![k]])) as Partial<Pick<T, K>>;
}
