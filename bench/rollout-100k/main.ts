// bench/rollout-100k: a rollout of 100,000 devices through the platform's real command path. The
// devices are registered on the gateway's event path, the rollout is created with the orchestrator's
// create-rollout command (a selector), and each assigned device answers `healthy` on the subject a device's report arrives
// on (no MQTT, no agent). Checks the bars of issue 11 item 3: no message over 64 KiB, create ≤ 5 s,
// every outcome recorded; prints the time to finish next to a broker-only baseline of the same size.
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { orchestrator } from '@keelson/requests';
import { eventStreams } from '@keelson/event-store';
import { sendRequest, newContext } from '@keelson/service-kit';
import { startBenchPlatform, type BenchPlatform } from '../rollout-fanout/bench-platform.js';
import { runBench } from '../rollout-fanout/bench-run.js';
import { OperatorApi, until } from '../rollout-fanout/operator-api.js';
import { postgresWindow } from '../rollout-fanout/postgres-stats.js';
import { profiledServiceEnv, statementStatsFlags } from '../rollout-fanout/profile-window.js';
import { cpuBetween, cpuSnapshot, peakRss, processesOf } from '../rollout-fanout/resources.js';
import { rollout100kArgs } from './args.js';
import { brokerBaseline } from './broker-baseline.js';
import { ReportingFleet } from './device-reports.js';
import { largestEvent } from './largest-events.js';
import { postgresCpuByRole } from './postgres-backends.js';
import { benchFleet, benchLabel, registerDevices } from './register-devices.js';
import { printReport } from './report.js';
import { consumersSettled } from './settled.js';

const args = rollout100kArgs(process.argv.slice(2));
const log = (line: string) => console.error(`bench: ${line}`);
const naming = { streamPrefix: '', subjectPrefix: '' };
let benchStarting: Promise<BenchPlatform> | undefined;
let fleet: ReportingFleet | undefined;

async function run(): Promise<void> {
  log('starting postgres, nats-server and the six services…');
  benchStarting = startBenchPlatform(
    args.cpuProfDir ? { serviceEnv: profiledServiceEnv(args.cpuProfDir), postgresFlags: statementStatsFlags } : {},
  );
  const bench = await benchStarting;
  const { platform } = bench;
  const api = new OperatorApi(platform.apiUrl, bench.adminToken);
  await api.publishArtifact('bench-model', '1.0.0', randomBytes(64 * 1024), 120_000);
  const nc = await connect({
    servers: platform.nats.url,
    user: bench.servicesUser.user,
    pass: bench.servicesUser.password,
    maxPingOut: 10,
  });
  try {
    const jsm = await jetstreamManager(nc);
    log(`registering ${args.devices} devices (${args.concurrency} appends in flight)…`);
    const registered = await registerDevices(nc, jsm, args.devices, args.concurrency);
    log(`appended in ${registered.appendedSeconds.toFixed(1)} s, listed by the gateway after ${registered.listedSeconds.toFixed(1)} s`);
    const settled = await consumersSettled(jsm, args.timeoutSeconds * 1000);
    log(`every consumer caught up ${settled.toFixed(1)} s later`);

    fleet = new ReportingFleet(nc, args.concurrency);
    fleet.listen();
    const selector = Object.entries(benchLabel)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    // the profiler preload toggles on SIGWINCH: on now, off (and written) once the rollout is created
    const toggleProfilers = () => {
      if (args.cpuProfDir) for (const s of Object.values(platform.services)) if (s) process.kill(s.pid, 'SIGWINCH');
    };
    toggleProfilers();
    const watched = processesOf({ services: platform.services, natsPid: platform.nats.pid, postgresDataDir: bench.postgresDataDir });
    // profiled, PostgreSQL's statements are counted over the create too (where its CPU goes)
    const statements = args.cpuProfDir ? await postgresWindow(bench.postgresAdminUrl) : undefined;
    const pgByRole = postgresCpuByRole(bench.postgresDataDir);
    const cpuBefore = cpuSnapshot(watched);
    const started = performance.now();
    // the orchestrator's own command (the api's call of it gives up after 15 s): the time is measured either way
    const created = await sendRequest(
      nc,
      naming,
      orchestrator.createRollout,
      {
        fleet: benchFleet,
        artifact: { name: 'bench-model', version: '1.0.0' },
        selector,
        onMisfit: 'reject',
        probe: { kind: 'file', path: '/run/app/ready', timeoutSeconds: 10, attempts: 1, initialDelaySeconds: 0 },
        strategy: {
          waves: [
            { percent: 1, gate: 'auto' },
            { percent: 100, gate: 'auto' },
          ],
          maxFailures: 0,
        },
      },
      newContext({ kind: 'operator', id: 'bench' }),
      { timeoutMs: 600_000 },
    );
    const createSeconds = (performance.now() - started) / 1000;
    const createCpu = cpuBetween(cpuBefore, cpuSnapshot(watched)).filter((p) => p.seconds >= 0.005);
    const pgRoles = pgByRole.stop();
    toggleProfilers(); // the window is the creation: the rollout's pace is rollout-fanout's to profile
    const createCpuMs = (createCpu.reduce((a, p) => a + p.seconds, 0) * 1000).toFixed(0);
    const perProcess = createCpu.map((p) => `${p.name} ${(p.seconds * 1000).toFixed(0)}`).join(', ');
    log(
      `created ${created.rolloutId} in ${createSeconds.toFixed(2)} s, ${createCpuMs} CPU-ms (${perProcess}); devices report as they are assigned…`,
    );
    log(`  of it postgresql: ${pgRoles.map((r) => `${r.role} ${r.ms}`).join(', ')}`);
    if (statements) {
      const slowest = (await statements.stop()).statements.sort((a, b) => b.totalMs - a.totalMs).slice(0, 12);
      for (const s of slowest)
        log(`  postgres ${s.totalMs.toFixed(0)} ms, ${s.calls} calls, ${s.rows} rows (${s.database}): ${s.query.slice(0, 160)}`);
    }
    fleet.answer(created.rolloutId);
    const subject = `ev.rollout.${benchFleet}.${created.rolloutId}`;
    let lastLog = performance.now();
    const last = await until(
      'the rollout to finish',
      args.timeoutSeconds * 1000,
      async () => {
        const message = await jsm.streams.getMessage(eventStreams.orchestrator.name, { last_by_subj: subject });
        const event = message?.json<{ type: string; data: { outcome?: string } }>();
        if (performance.now() - lastLog > 15_000) {
          lastLog = performance.now();
          log(`${((lastLog - started) / 1000).toFixed(0)} s: ${fleet!.reportedCount} devices reported, last rollout event ${event?.type}`);
        }
        return event?.type === 'RolloutFinished' || event?.type === 'RolloutHalted' ? event : undefined;
      },
      200,
    );
    const finishedSeconds = (performance.now() - started) / 1000;
    const rss = peakRss(processesOf({ services: platform.services, natsPid: platform.nats.pid, postgresDataDir: bench.postgresDataDir }));
    log(`${last.type} (${last.data.outcome ?? '-'}) after ${finishedSeconds.toFixed(1)} s; reading the streams…`);
    await fleet.stop();
    const ofRollout = await largestEvent(nc, eventStreams.orchestrator.name, subject);
    const largest = [ofRollout];
    for (const stream of [eventStreams.orchestrator.name, eventStreams.gateway.name, 'DEVICE_INBOX'])
      largest.push(await largestEvent(nc, stream));
    log('broker baseline…');
    const baselineSeconds = await brokerBaseline(nc, args.devices, 200, args.concurrency);
    printReport({
      devices: args.devices,
      registeredSeconds: registered.appendedSeconds,
      listedSeconds: registered.listedSeconds,
      createSeconds,
      finishedSeconds,
      outcome: last.data.outcome ?? last.type,
      outcomes: ofRollout.types.DeviceOutcomeRecorded ?? 0,
      rolloutEvents: ofRollout.types,
      largest,
      baselineSeconds,
      peakRss: rss,
      createCpu,
    });
  } finally {
    await nc.close();
  }
}

await runBench({ log, timeoutSeconds: args.timeoutSeconds, platform: () => benchStarting, stopOwn: async () => fleet?.stop() }, run);
