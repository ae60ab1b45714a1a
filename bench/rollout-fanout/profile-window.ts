import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlatformService, RunningService } from '@keelson/local-infra';
import { windowProfiler } from './cpu-profiler.js';
import { countFleetConnections, type FleetConnections } from './fleet-connections.js';
import { natsByClient, natsConnections, natsCounts, natsDelta, type NatsByClient, type NatsCounts } from './nats-stats.js';
import { postgresWindow, type PostgresWindow } from './postgres-stats.js';
import type { FleetHandle } from './process-fleet.js';

/** PostgreSQL settings of a profiled run: statement counts (BEGIN/COMMIT too) in every database. */
export const statementStatsFlags = [
  '-c',
  'shared_preload_libraries=pg_stat_statements',
  '-c',
  'pg_stat_statements.track=all',
  '-c',
  'pg_stat_statements.track_utility=on',
];

/** The environment that loads the window profiler into a service; its profiles go to `<dir>/<service>/`. */
export function profiledServiceEnv(dir: string): (service: PlatformService) => NodeJS.ProcessEnv {
  const preload = new URL('./cpu-profiler.js', import.meta.url).href;
  return (service) => ({ NODE_OPTIONS: `--import=${preload}`, KEELSON_CPU_PROF_DIR: join(dir, service) });
}

export interface WindowStats {
  /** `.cpuprofile` path per process (services by name, `bench` for the bench and its simulated fleet, `fleet-<k>` for fleet processes). */
  profiles: Record<string, string>;
  nats: NatsCounts;
  /** nats-server's messages in (from the client) and out (to it) per client. */
  natsByClient: NatsByClient;
  postgres: PostgresWindow;
  fleet: FleetConnections;
}

async function waitForFile(path: string, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!existsSync(path)) {
    if (performance.now() > until)
      throw new Error(`bench: no CPU profile at ${path} after ${timeoutMs} ms (was the service started with the profiler?)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function inThisThread(): ReturnType<FleetHandle['countConnections']> {
  const counting = countFleetConnections();
  return { stop: async () => counting.stop() };
}

/**
 * Everything the bench measures beyond /proc over the rollout window, for `--cpu-prof DIR`: a CPU
 * profile of each service (SIGWINCH toggles their preloaded profiler) and of the bench process,
 * nats-server's message counters, PostgreSQL's transactions and statements. `stop()` also writes
 * all but the profiles to `<dir>/window.json`.
 */
export async function profileWindow(input: {
  dir: string;
  services: Partial<Record<PlatformService, RunningService>>;
  natsMonitorUrl: string;
  postgresAdminUrl: string;
  /** Whose HTTPS connections to count (default: this thread's, e.g. enroll-burst's clients). */
  fleet?: FleetHandle;
  /** The simulated fleet's child processes, started with the window profiler preloaded: profiled like the services. */
  fleetProcesses?: { name: string; pid: number }[];
}): Promise<{ start(): Promise<void>; stop(): Promise<WindowStats> }> {
  const services = [
    ...Object.entries(input.services).flatMap(([name, s]) => (s ? [{ name, pid: s.pid }] : [])),
    ...(input.fleetProcesses ?? []),
  ];
  const bench = windowProfiler(join(input.dir, 'bench'));
  let natsBefore: NatsCounts | undefined;
  let connectionsBefore: Awaited<ReturnType<typeof natsConnections>> = [];
  let pg: Awaited<ReturnType<typeof postgresWindow>> | undefined;
  let fleet: ReturnType<FleetHandle['countConnections']> | undefined;
  return {
    async start() {
      natsBefore = await natsCounts(input.natsMonitorUrl);
      connectionsBefore = await natsConnections(input.natsMonitorUrl);
      pg = await postgresWindow(input.postgresAdminUrl);
      fleet = input.fleet ? input.fleet.countConnections() : inThisThread();
      for (const s of services) process.kill(s.pid, 'SIGWINCH');
      await bench.start();
    },
    async stop() {
      if (!natsBefore || !pg || !fleet) throw new Error('bench: profileWindow.stop() before start()');
      for (const s of services) process.kill(s.pid, 'SIGWINCH');
      const fleetConnections = await fleet.stop();
      const nats = natsDelta(natsBefore, await natsCounts(input.natsMonitorUrl));
      const byClient = natsByClient(connectionsBefore, await natsConnections(input.natsMonitorUrl));
      const postgres = await pg.stop();
      const profiles: Record<string, string> = { bench: await bench.stop() };
      for (const s of services) {
        profiles[s.name] = join(input.dir, s.name, `${s.pid}.cpuprofile`);
        // A busy service writes a large profile: give it time.
        await waitForFile(profiles[s.name]!, 120_000);
      }
      const stats = { profiles, nats, natsByClient: byClient, postgres, fleet: fleetConnections };
      writeFileSync(join(input.dir, 'window.json'), `${JSON.stringify(stats, null, 2)}\n`);
      return stats;
    },
  };
}
