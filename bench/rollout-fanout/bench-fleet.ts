import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './bench-platform.js';
import { countFleetConnections } from './fleet-connections.js';
import { until, type OperatorApi } from './operator-api.js';
import { ReportLog } from './report-log.js';
import { startProcessFleet, type FleetHandle } from './process-fleet.js';

// The agent package has no exports map: load its compiled entry by path, so this works from bench/dist too.
const agent = (await import(
  pathToFileURL(join(repoRoot, 'services', 'agent', 'dist', 'index.js')).href
)) as typeof import('../../services/agent/dist/index.js');
const { operatorTokenMinter, startSimulatedFleet } = agent;

/** The simulated fleet, with when each device sent its first report of each state of each rollout. */
export interface BenchFleet {
  fleet: FleetHandle;
  enrollSeconds: number;
  listedSeconds: number;
  /** `performance.now()` of each device's first terminal report, by rollout id, then device id. */
  terminalAt(rolloutId: string): Map<string, number>;
  /** `performance.now()` of every device's first report of each state, by rollout id, then state. */
  stateTimes(rolloutId: string): Map<string, number[]>;
  reportsSent(): number;
}

interface FleetInput {
  home: string;
  apiUrl: string;
  adminToken: string;
  count: number;
  concurrency: number;
  timeoutMs: number;
  /** Child processes the fleet is split over (1: in the bench process). */
  procs: number;
  /** With `--cpu-prof DIR`: the fleet processes load the window profiler and write to `DIR/<fleet-k>/`. */
  cpuProfDir?: string;
}

/** The whole fleet in this thread (`sim-1` …): the bench's CPU profile then covers it. */
async function inProcessFleet(input: FleetInput, reports: ReportLog): Promise<FleetHandle> {
  const fleet = await startSimulatedFleet({
    count: input.count,
    dataDir: join(input.home, 'sim'),
    mintToken: operatorTokenMinter(input.apiUrl, input.adminToken, 'default'),
    concurrency: input.concurrency,
    onReport: (device, assignment, state) => reports.record(assignment.rolloutId, device.deviceId, state, performance.now()),
  });
  return {
    devices: fleet.devices.map((d) => ({ name: d.name, deviceId: d.deviceId })),
    processes: [],
    stop: () => fleet.stop(),
    countConnections() {
      const counting = countFleetConnections();
      return { stop: async () => counting.stop() };
    },
  };
}

/**
 * Enrolls and starts `count` agents of the real agent code, in this thread or split over `procs`
 * child processes, then waits until the gateway lists every one of them as reachable — a group can
 * only name listed devices.
 */
export async function startBenchFleet(input: FleetInput, api: OperatorApi): Promise<BenchFleet> {
  const reports = new ReportLog();
  const started = Date.now();
  const profDir = input.cpuProfDir;
  const fleet =
    input.procs > 1
      ? await startProcessFleet(
          {
            ...input,
            ...(profDir
              ? {
                  childExecArgv: [`--import=${new URL('./cpu-profiler.js', import.meta.url).href}`],
                  childEnv: (name: string) => ({ KEELSON_CPU_PROF_DIR: join(profDir, name) }),
                }
              : {}),
          },
          reports,
        )
      : await inProcessFleet(input, reports);
  const enrollSeconds = (Date.now() - started) / 1000;
  try {
    await until(
      `all ${input.count} devices listed and reachable`,
      input.timeoutMs,
      async () => {
        const reachable = await api.reachableDevices();
        return fleet.devices.every((d) => reachable.has(d.deviceId)) ? true : undefined;
      },
      1000,
    );
  } catch (err) {
    await fleet.stop();
    throw err;
  }
  return {
    fleet,
    enrollSeconds,
    listedSeconds: (Date.now() - started) / 1000 - enrollSeconds,
    terminalAt: (rolloutId) => reports.terminalAt(rolloutId),
    stateTimes: (rolloutId) => reports.stateTimes(rolloutId),
    reportsSent: () => reports.reportsSent(),
  };
}
