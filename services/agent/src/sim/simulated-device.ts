import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeviceState } from '@keelson/events/device-protocol';
import { startAgent } from '../agent.js';
import type { RunningAgent } from '../agent-options.js';
import { DataDirLayout, basenameOf } from '../data-dir/layout.js';
import { enrollDevice } from '../enrollment/enroll.js';
import { isEnrolled, readDeviceIdentity } from '../enrollment/device-identity.js';
import { startAppMetricsServer, type AppMetricsServer } from './app-metrics-server.js';
import { isFailing, simulateApplication } from './simulated-application.js';
import type { SimulatedFleetOptions } from './simulated-fleet.js';

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

/** Enrolls one simulated device (unless its data dir is enrolled already) and starts its agent. */
export async function startDevice(
  name: string,
  options: SimulatedFleetOptions,
  closers: (() => Promise<void>)[],
): Promise<SimulatedDevice> {
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
