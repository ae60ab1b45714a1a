// bench/rollout-fanout: N simulated devices, one wave of 100 % with a file probe, timed from the
// create request until the rollout is finished, next to a broker-only baseline measured in the same
// run. Everything runs on loopback in a throwaway KEELSON home that is removed at the end.
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { PlatformService } from '@keelson/local-infra';
import { benchArgs } from './args.js';
import { measureBrokerBaseline } from './baseline.js';
import { startBenchFleet, type BenchFleet } from './bench-fleet.js';
import { startBenchPlatform, type BenchPlatform } from './bench-platform.js';
import { runBench } from './bench-run.js';
import { heapWindow } from './heap-window.js';
import { OperatorApi } from './operator-api.js';
import { profiledServiceEnv, profileWindow, statementStatsFlags, type WindowStats } from './profile-window.js';
import { printReport } from './report.js';
import { memorySnapshot } from './memory-snapshot.js';
import { peakRss, processesOf, type WatchedProcess } from './resources.js';
import { measureRollout } from './rollout-window.js';
import { auditDrained } from './audit-drain.js';
import { windowHistograms } from './histograms.js';
import { keelsonCounters, keelsonMetrics } from './service-metrics.js';
import { printWindowStats } from './window-report.js';

/** The broker baseline is given up after this long: its failure is reported with the rollout's figures. */
const baselineTimeoutS = 180;

const args = benchArgs(process.argv.slice(2));
const log = (line: string) => console.error(`bench: ${line}`);
let bench: BenchPlatform | undefined;
// Kept while the platform starts, so an abort then still stops what the start brought up.
let benchStarting: Promise<BenchPlatform> | undefined;
let fleet: BenchFleet | undefined;
async function run(): Promise<void> {
  const timeoutMs = args.timeoutSeconds * 1000;
  log(`starting postgres, nats-server and the six services…`);
  const profDir = args.cpuProfDir;
  const profiled = profDir ? profiledServiceEnv(profDir) : undefined;
  // The profiler's NODE_OPTIONS and those given with --service-env add up.
  const serviceEnv = (service: PlatformService): NodeJS.ProcessEnv => {
    const env = { ...profiled?.(service) };
    for (const e of args.serviceEnv.filter((x) => !x.service || x.service === service)) {
      env[e.key] = e.key === 'NODE_OPTIONS' && env.NODE_OPTIONS ? `${env.NODE_OPTIONS} ${e.value}` : e.value;
    }
    return env;
  };
  benchStarting = startBenchPlatform({
    serviceEnv,
    ...(args.semiSpaceMiB !== undefined ? { semiSpaceMiB: args.semiSpaceMiB } : {}),
    ...(args.heapGrowingPercent !== undefined ? { heapGrowingPercent: args.heapGrowingPercent } : {}),
    ...(profDir ? { postgresFlags: statementStatsFlags } : {}),
  });
  bench = await benchStarting;
  const { platform } = bench;
  const api = new OperatorApi(platform.apiUrl, bench.adminToken);
  await api.publishArtifact('bench-model', '1.0.0', randomBytes(args.artifactKiB * 1024), 60_000);
  const memoryOf = (processes: WatchedProcess[]) =>
    memorySnapshot({
      processes,
      services: platform.services,
      ...(platform.tls ? { ca: platform.tls.caPem } : {}),
      ...(platform.nats.profUrl ? { natsProfUrl: platform.nats.profUrl } : {}),
    });
  const memoryStarted = await memoryOf(
    processesOf({ services: platform.services, natsPid: platform.nats.pid, postgresDataDir: bench.postgresDataDir }),
  );
  log(
    `enrolling ${args.devices} simulated devices (${args.enrollConcurrency} at a time${args.fleetProcs > 1 ? `, in ${args.fleetProcs} child processes` : ''})…`,
  );
  fleet = await startBenchFleet(
    {
      home: bench.home,
      apiUrl: platform.apiUrl,
      adminToken: bench.adminToken,
      count: args.devices,
      concurrency: args.enrollConcurrency,
      timeoutMs,
      procs: args.fleetProcs,
      ...(profDir ? { cpuProfDir: profDir } : {}),
    },
    api,
  );
  log(`enrolled in ${fleet.enrollSeconds.toFixed(1)} s, all listed and reachable ${fleet.listedSeconds.toFixed(1)} s later`);
  await api.createGroup(
    'bench',
    fleet.fleet.devices.map((d) => d.name),
  );

  const nc = await connect({ servers: platform.nats.url, user: bench.servicesUser.user, pass: bench.servicesUser.password });
  try {
    const jsm = await jetstreamManager(nc);
    const processes = processesOf({
      services: platform.services,
      natsPid: platform.nats.pid,
      postgresDataDir: bench.postgresDataDir,
      fleetProcesses: fleet.fleet.processes,
    });
    // Every device connected and idle: what a process holds per connected device, before any rollout.
    const memoryEnrolled = await memoryOf(processes);
    let windowStats: WindowStats | undefined;
    const profiler = profDir
      ? await profileWindow({
          dir: profDir,
          fleet: fleet.fleet,
          services: platform.services,
          fleetProcesses: fleet.fleet.processes,
          natsMonitorUrl: platform.nats.monitorUrl,
          postgresAdminUrl: bench.postgresAdminUrl,
        })
      : undefined;
    const heap = args.heapProfDir ? heapWindow(args.heapProfDir, args.heapProfKind) : undefined;
    const probes = [
      ...(profiler ? [{ start: () => profiler.start(), stop: async () => (windowStats = await profiler.stop()) }] : []),
      ...(heap ? [{ start: () => heap.start(), stop: async () => log(`heap profile (${args.heapProfKind}): ${await heap.stop()}`) }] : []),
    ];
    const probe = probes.length
      ? { start: async () => void (await Promise.all(probes.map((p) => p.start()))), stop: () => Promise.all(probes.map((p) => p.stop())) }
      : undefined;
    log(`rolling out…${profDir ? ` (profiling every process into ${profDir})` : ''}`);
    const metricsBefore = await keelsonMetrics(platform.services, platform.tls?.caPem);
    const rollout = await measureRollout({
      api,
      jsm,
      fleet,
      processes,
      artifact: 'bench-model@1.0.0',
      group: 'bench',
      timeoutMs,
      progress: log,
      ...(probe ? { probe } : {}),
      ...(args.tapAcks ? { tap: nc } : {}),
    });
    // The audit may still be writing the rollout's entries: its lag histogram should hold them all.
    const auditCaughtUpSeconds = await auditDrained(jsm, 120_000);
    const metricsAfter = await keelsonMetrics(platform.services, platform.tls?.caPem);
    const counters = keelsonCounters(metricsAfter);
    const memoryFinished = await memoryOf(processes);
    const inbox = rollout.appended.DEVICE_INBOX!;
    log(
      `rollout ${rollout.status} in ${rollout.seconds.toFixed(1)} s${args.skipBaseline ? '' : `; baseline: ${inbox.messages} broker messages…`}`,
    );
    // A failed baseline (e.g. an MQTT connect timing out on a saturated machine) must not lose the rollout's figures.
    let baselineError: string | undefined = args.skipBaseline ? 'skipped (--skip-baseline)' : undefined;
    // Nor must a baseline that never ends (a QoS 1 publish on a connection dropped with reconnect off waits forever).
    let baselineTimer: NodeJS.Timeout | undefined;
    const baseline = args.skipBaseline
      ? null
      : await Promise.race([
          measureBrokerBaseline({
            natsUrl: platform.nats.url,
            mqttUrl: platform.nats.mqttUrl,
            ...(platform.tls ? { ca: platform.tls.caPem } : {}),
            ...bench.servicesUser,
            messages: inbox.messages,
            connections: Math.min(args.devices, 1000),
            payloadBytes: Math.round(inbox.bytes / Math.max(1, inbox.messages)),
          }),
          new Promise<never>(
            (_, reject) =>
              (baselineTimer = setTimeout(() => reject(new Error(`no result in ${baselineTimeoutS} s`)), baselineTimeoutS * 1000)),
          ),
        ])
          .finally(() => clearTimeout(baselineTimer))
          .catch((err: unknown) => {
            baselineError = err instanceof Error ? err.message : String(err);
            log(`baseline failed: ${baselineError}`);
            return null;
          });
    printReport({
      ...(baselineError ? { baselineError } : {}),
      devices: args.devices,
      cores: availableParallelism(),
      enrollSeconds: fleet.enrollSeconds,
      listedSeconds: fleet.listedSeconds,
      rollout,
      baseline,
      peakRss: peakRss(processes),
      counters,
      memory: { started: memoryStarted, enrolled: memoryEnrolled, finished: memoryFinished },
      histograms: windowHistograms(metricsBefore, metricsAfter),
      auditCaughtUpSeconds: auditCaughtUpSeconds ?? null,
    });
    if (windowStats && profDir) printWindowStats(windowStats, args.devices, profDir);
  } finally {
    await nc.close();
  }
}

await runBench({ log, timeoutSeconds: args.timeoutSeconds, platform: () => benchStarting, stopOwn: async () => fleet?.fleet.stop() }, run);
