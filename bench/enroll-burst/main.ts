// bench/enroll-burst: N devices enroll at once against the whole local platform. Keys, CSRs and
// tokens are made before the timed window, so the window holds the platform's work only (and the
// bench's TLS client side); the device's own cost is reported beside it.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startBenchPlatform, repoRoot, type BenchPlatform } from '../rollout-fanout/bench-platform.js';
import { runBench } from '../rollout-fanout/bench-run.js';
import { profiledServiceEnv, profileWindow, statementStatsFlags } from '../rollout-fanout/profile-window.js';
import { processesOf } from '../rollout-fanout/resources.js';
import { printWindowStats } from '../rollout-fanout/window-report.js';
import { enrollBurstArgs } from './args.js';
import { enrollBurst } from './burst-window.js';
import { prepareDeviceRequests } from './device-requests.js';
import { inParallel } from './in-parallel.js';
import { printEnrollBurstReport } from './report.js';

// The agent package has no exports map: load its compiled entry by path, so this works from bench/dist too.
const agent = (await import(
  pathToFileURL(join(repoRoot, 'services', 'agent', 'dist', 'index.js')).href
)) as typeof import('../../services/agent/dist/index.js');

const args = enrollBurstArgs(process.argv.slice(2));
const log = (line: string) => console.error(`enroll-burst: ${line}`);
let bench: BenchPlatform | undefined;
// Kept while the platform starts, so an abort then still stops what the start brought up.
let benchStarting: Promise<BenchPlatform> | undefined;
async function run(): Promise<void> {
  log(`making ${args.devices} device keys and CSRs…`);
  const deviceSide = await prepareDeviceRequests(args.devices);
  log('starting postgres, nats-server and the six services…');
  const profDir = args.cpuProfDir;
  benchStarting = startBenchPlatform(profDir ? { serviceEnv: profiledServiceEnv(profDir), postgresFlags: statementStatsFlags } : {});
  bench = await benchStarting;
  const { platform } = bench;
  if (!platform.tls) throw new Error('enroll-burst: the platform runs without TLS; devices enroll over https');
  log(`minting ${args.devices} enrollment tokens…`);
  const mint = agent.operatorTokenMinter(platform.apiUrl, bench.adminToken, 'default');
  const t0 = performance.now();
  const tokens = await inParallel(deviceSide.requests, 32, async () => (await mint()).token);
  const minting = { seconds: (performance.now() - t0) / 1000 };
  const processes = processesOf({ services: platform.services, natsPid: platform.nats.pid, postgresDataDir: bench.postgresDataDir }).map(
    (p) => (p.pid === undefined ? { ...p, name: 'bench (TLS client side)' } : p),
  );
  const profiler = profDir
    ? await profileWindow({
        dir: profDir,
        services: platform.services,
        natsMonitorUrl: platform.nats.monitorUrl,
        postgresAdminUrl: bench.postgresAdminUrl,
      })
    : undefined;
  let windowStats: Awaited<ReturnType<NonNullable<typeof profiler>['stop']>> | undefined;
  log(`enrolling ${args.devices} devices, ${args.concurrency} at a time…${profDir ? ` (profiling every process into ${profDir})` : ''}`);
  const burst = await enrollBurst({
    gatewayUrl: platform.gatewayUrl,
    ca: platform.tls.caPem,
    requests: deviceSide.requests,
    tokens,
    concurrency: args.concurrency,
    processes,
    progress: log,
    ...(profiler ? { probe: { start: () => profiler.start(), stop: async () => (windowStats = await profiler.stop()) } } : {}),
  });
  printEnrollBurstReport({
    devices: args.devices,
    concurrency: args.concurrency,
    cores: availableParallelism(),
    deviceSide: { seconds: deviceSide.seconds, cpuSeconds: deviceSide.cpuSeconds },
    minting,
    burst,
  });
  if (windowStats && profDir) printWindowStats(windowStats, args.devices, profDir);
  if (burst.enrolled !== args.devices) throw new Error(`${args.devices - burst.enrolled} enrollments failed`);
}

await runBench({ log, timeoutSeconds: args.timeoutSeconds, platform: () => benchStarting }, run);
