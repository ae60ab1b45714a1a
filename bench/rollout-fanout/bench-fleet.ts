import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SimulatedFleet } from '../../services/agent/dist/index.js';
import { repoRoot } from './bench-platform.js';
import { until, type OperatorApi } from './operator-api.js';

// The agent package has no exports map: load its compiled entry by path, so this works from bench/dist too.
const agent = (await import(pathToFileURL(join(repoRoot, 'services', 'agent', 'dist', 'index.js')).href)) as typeof import('../../services/agent/dist/index.js');
const { operatorTokenMinter, startSimulatedFleet } = agent;

const terminal = new Set(['healthy', 'rolled_back', 'failed']);

/** The simulated fleet, with when each device sent its first terminal report of each rollout. */
export interface BenchFleet {
  fleet: SimulatedFleet;
  enrollSeconds: number;
  listedSeconds: number;
  /** `performance.now()` of each device's first terminal report, by rollout id, then device id. */
  terminalAt(rolloutId: string): Map<string, number>;
  /** `performance.now()` of every device's first report of each state, by rollout id, then state. */
  stateTimes(rolloutId: string): Map<string, number[]>;
  reportsSent(): number;
}

/**
 * Enrolls and starts `count` agents of the real agent code in this process (`sim-1` …), then waits
 * until the gateway lists every one of them as reachable — a group can only name listed devices.
 */
export async function startBenchFleet(input: { home: string; apiUrl: string; adminToken: string; count: number; concurrency: number; timeoutMs: number }, api: OperatorApi): Promise<BenchFleet> {
  const terminalByRollout = new Map<string, Map<string, number>>();
  const terminalAt = (rolloutId: string) => terminalByRollout.get(rolloutId) ?? terminalByRollout.set(rolloutId, new Map()).get(rolloutId)!;
  const statesByRollout = new Map<string, Map<string, Set<string>>>();
  const stateTimes = new Map<string, Map<string, number[]>>();
  const firstOfState = (rolloutId: string, state: string, deviceId: string) => {
    const byState = statesByRollout.get(rolloutId) ?? statesByRollout.set(rolloutId, new Map()).get(rolloutId)!;
    const seen = byState.get(state) ?? byState.set(state, new Set()).get(state)!;
    if (seen.has(deviceId)) return;
    seen.add(deviceId);
    const times = stateTimes.get(rolloutId) ?? stateTimes.set(rolloutId, new Map()).get(rolloutId)!;
    (times.get(state) ?? times.set(state, []).get(state)!).push(performance.now());
  };
  let reports = 0;
  const started = Date.now();
  const fleet = await startSimulatedFleet({
    count: input.count,
    dataDir: join(input.home, 'sim'),
    mintToken: operatorTokenMinter(input.apiUrl, input.adminToken, 'default'),
    concurrency: input.concurrency,
    onReport: (device, assignment, state) => {
      reports++;
      firstOfState(assignment.rolloutId, state, device.deviceId);
      const seen = terminalAt(assignment.rolloutId);
      if (terminal.has(state) && !seen.has(device.deviceId)) seen.set(device.deviceId, performance.now());
    },
  });
  const enrollSeconds = (Date.now() - started) / 1000;
  try {
    await until(`all ${input.count} devices listed and reachable`, input.timeoutMs, async () => {
      const reachable = await api.reachableDevices();
      return fleet.devices.every((d) => reachable.has(d.deviceId)) ? true : undefined;
    }, 1000);
  } catch (err) {
    await fleet.stop();
    throw err;
  }
  return {
    fleet, enrollSeconds, terminalAt,
    listedSeconds: (Date.now() - started) / 1000 - enrollSeconds,
    reportsSent: () => reports,
    stateTimes: (rolloutId) => stateTimes.get(rolloutId) ?? new Map(),
  };
}
