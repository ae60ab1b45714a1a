import type { BaselineResult } from './baseline.js';
import type { WindowHistogram } from './histograms.js';
import { memoryLine, type ProcessMemory } from './memory-snapshot.js';
import { fleetProcessPrefix } from './resources.js';
import type { RolloutFigures } from './rollout-window.js';
import type { ConsumerBacklog } from './stream-watch.js';

export interface BenchReport {
  devices: number;
  cores: number;
  enrollSeconds: number;
  listedSeconds: number;
  rollout: RolloutFigures;
  /** Null when the baseline itself failed (its error is in `baselineError`): the rollout's figures are still reported. */
  baseline: BaselineResult | null;
  baselineError?: string;
  peakRss: { name: string; mib: number | undefined }[];
  /** Memory per process: platform started (no devices), every device enrolled and idle, after the rollout and the audit's catch-up. */
  memory: Record<'started' | 'enrolled' | 'finished', ProcessMemory[]>;
  counters: Record<string, string[]>;
  /** Every `keelson_*_seconds` histogram's observations from create until the audit caught up. */
  histograms: WindowHistogram[];
  /** Seconds after the rollout finished until the audit had written every entry (null: not within 120 s). */
  auditCaughtUpSeconds: number | null;
}

const f1 = (n: number) => n.toFixed(1);
const timelineColumns = 10;

/** Mean of the samples falling in each of `timelineColumns` equal slices of the window. */
function binned(at: number[], values: number[], seconds: number): number[] {
  return Array.from({ length: timelineColumns }, (_, i) => {
    const [from, to] = [(seconds * i) / timelineColumns, (seconds * (i + 1)) / timelineColumns];
    const xs = values.filter((_, j) => at[j]! > from && at[j]! <= to);
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
  });
}

/** The backlog sampled nearest to each of `timelineColumns` evenly spaced moments of the window. */
function timeline(series: [number, number][], seconds: number): number[] {
  return Array.from({ length: timelineColumns }, (_, i) => {
    const t = (seconds * (i + 1)) / timelineColumns;
    let best = series[0];
    for (const s of series) if (best === undefined || Math.abs(s[0] - t) < Math.abs(best[0] - t)) best = s;
    return best?.[1] ?? 0;
  });
}

/** The simulated fleet's child processes (`--fleet-procs`) summed: CPU-s over the window and peak RSS (each child's own peak). */
function fleetProcesses(r: BenchReport): { count: number; cpuSeconds: number; peakRssMiB: number } | undefined {
  const cpu = r.rollout.cpu.filter((c) => c.name.startsWith(fleetProcessPrefix));
  if (!cpu.length) return undefined;
  const rss = r.peakRss.filter((p) => p.name.startsWith(fleetProcessPrefix));
  return { count: cpu.length, cpuSeconds: cpu.reduce((n, c) => n + c.seconds, 0), peakRssMiB: rss.reduce((n, p) => n + (p.mib ?? 0), 0) };
}

/** Each consumer's deliveries and, with the tap, its acks and pulls, per device update; then the other API requests. */
function consumerTraffic(rollout: RolloutFigures, devices: number): string[] {
  const per = (n: number) => (n / devices).toFixed(2).padStart(6);
  const rows = rollout.backlogs
    .filter((b) => b.delivered > 0 || rollout.tap?.consumers[`${b.stream}/${b.consumer}`])
    .map((b) => {
      const t = rollout.tap?.consumers[`${b.stream}/${b.consumer}`];
      const acks = t
        ? Object.entries(t.acks)
            .map(([k, n]) => `${k} ${per(n).trim()}`)
            .join(', ')
        : '';
      return `    ${`${b.stream}/${b.consumer}`.padEnd(56)} ${per(b.delivered)} delivered${t ? `  acks ${acks || '0'}  pulls ${per(t.pulls).trim()}` : ''}`;
    });
  const sum = (f: (b: ConsumerBacklog) => number) => rollout.backlogs.reduce((n, b) => n + f(b), 0);
  const tapped = rollout.tap ? Object.values(rollout.tap.consumers) : [];
  const acks = tapped.reduce((n, t) => n + Object.values(t.acks).reduce((a, b) => a + b, 0), 0);
  const api = rollout.tap ? Object.entries(rollout.tap.api).sort((a, b) => b[1] - a[1]) : [];
  return [
    ...rows,
    `    ${'all consumers'.padEnd(56)} ${per(sum((b) => b.delivered))} delivered${rollout.tap ? `  acks ${per(acks).trim()}  pulls ${per(tapped.reduce((n, t) => n + t.pulls, 0)).trim()}` : ''}`,
    ...(api.length ? [`    other JetStream API requests: ${api.map(([k, n]) => `${k} ${per(n).trim()}`).join(', ')}`] : []),
  ];
}

/** The figures as a human reads them, then one JSON line for scripts and the README. */
export function printReport(r: BenchReport): void {
  const { rollout } = r;
  const fleet = fleetProcesses(r);
  const openFiles = Object.entries(rollout.cpuTimeline.openFiles);
  const events = Object.entries(rollout.appended).filter(([s]) => s.startsWith('EV_'));
  const eventCount = events.reduce((n, [, c]) => n + c.messages, 0);
  const inbox = rollout.appended.DEVICE_INBOX?.messages ?? 0;
  const lines = [
    `rollout-fanout: ${r.devices} simulated devices, one wave (100 %), file probe, ${r.cores} cores`,
    `  enrollment          ${f1(r.enrollSeconds)} s (${f1(r.devices / r.enrollSeconds)} devices/s), then ${f1(r.listedSeconds)} s until all listed and reachable`,
    `  rollout             ${rollout.status}: ${JSON.stringify(rollout.states)} (create answered in ${rollout.createAnsweredSeconds.toFixed(2)} s)`,
    ...rollout.failures.map((d) => `    ${d.state} ${d.deviceId}: ${d.reason ?? '(no reason given)'}`),
    `  create → finished   ${f1(rollout.seconds)} s   ${f1(r.devices / rollout.seconds)} devices/s`,
    `  terminal reports    p50 ${f1(rollout.terminalQuantiles.p50)} s, p90 ${f1(rollout.terminalQuantiles.p90)} s, last ${f1(rollout.terminalQuantiles.p100)} s after create`,
    `  device states       (seconds after create when 10 % / 50 % / 90 % / all devices first reported it)`,
    ...Object.entries(rollout.stateTimeline).map(
      ([state, q]) =>
        `    ${state.padEnd(12)} n=${String(q.n).padEnd(6)} ${[q.p10, q.p50, q.p90, q.p100].map((x) => f1(x).padStart(6)).join(' ')}`,
    ),
    `  events appended     ${eventCount} (${f1(eventCount / rollout.seconds)} events/s): ${events.map(([s, c]) => `${s} ${c.messages}`).join(', ')}`,
    `  device messages     ${inbox} into DEVICE_INBOX (${f1(inbox / rollout.seconds)}/s)`,
    r.baseline
      ? `  broker baseline     ${r.baseline.messages} MQTT QoS 1 publishes → JetStream in ${r.baseline.seconds.toFixed(2)} s (${f1(r.baseline.perSecond)}/s), no Keelson logic`
      : `  broker baseline     failed: ${r.baselineError ?? 'unknown'}`,
    `  CPU during rollout  (window ${f1(rollout.seconds)} s, ${r.cores} cores = ${f1(rollout.seconds * r.cores)} CPU-s available)`,
    ...rollout.cpu.map(
      (c) =>
        `    ${c.name.padEnd(28)} ${f1(c.seconds).padStart(7)} CPU-s  ${f1((100 * c.seconds) / rollout.seconds).padStart(5)} % of one core  ${((1000 * c.seconds) / r.devices).toFixed(2).padStart(6)} ms per device`,
    ),
    ...(fleet
      ? [
          `    ${`simulated fleet (${fleet.count} procs)`.padEnd(28)} ${f1(fleet.cpuSeconds).padStart(7)} CPU-s  ${f1((100 * fleet.cpuSeconds) / rollout.seconds).padStart(5)} % of one core  ${((1000 * fleet.cpuSeconds) / r.devices).toFixed(2).padStart(6)} ms per device (sum of the fleet-<k> rows)`,
        ]
      : []),
    `  syscalls            (per device update, over the window: reads / writes, sockets and files alike)`,
    ...rollout.syscalls.map(
      (s) => `    ${s.name.padEnd(28)} ${(s.reads / r.devices).toFixed(2).padStart(7)} / ${(s.writes / r.devices).toFixed(2).padStart(7)}`,
    ),
    `  peak RSS (VmHWM)`,
    ...r.peakRss.map((p) => `    ${p.name.padEnd(28)} ${String(p.mib ?? '?').padStart(6)} MiB`),
    ...(fleet
      ? [
          `    ${`simulated fleet (${fleet.count} procs)`.padEnd(28)} ${String(fleet.peakRssMiB).padStart(6)} MiB (sum of each process's peak)`,
        ]
      : []),
    `  memory              (MiB now, not peak: platform started with no devices / all devices connected and idle / after the rollout)`,
    ...Object.entries(r.memory).flatMap(([phase, ms]) => [`    ${phase}`, ...ms.map((m) => `      ${m.name.padEnd(26)} ${memoryLine(m)}`)]),
    `  open files          (most file descriptors held at a 1 s sample in the window / soft limit; PostgreSQL left out)`,
    ...openFiles.map(([name, f]) => `    ${name.padEnd(28)} ${String(f.peak).padStart(6)} / ${f.limit ?? 'unlimited'}`),
    `  consumer backlogs   (peak unfinished messages; last seen busy, seconds after create)`,
    ...rollout.backlogs
      .filter((b) => b.peak > 0)
      .map(
        (b) =>
          `    ${`${b.stream}/${b.consumer}`.padEnd(56)} peak ${String(b.peak).padStart(6)}  busy until ${f1(b.lastBusyAt).padStart(6)} s  redelivered ${b.redelivered}`,
      ),
    `  per consumer        (per device update: deliveries by the server${rollout.tap ? '; acks by kind and pull requests by its runner (--tap-acks)' : ''})`,
    ...consumerTraffic(rollout, r.devices),
    `  CPU over time       (% of one core per process, machine busy % of all ${r.cores} cores incl. other users; ${timelineColumns} slices of the window)`,
    ...Object.entries(rollout.cpuTimeline.processes).map(
      ([name, v]) =>
        `    ${name.padEnd(40)} ${binned(rollout.cpuTimeline.at, v, rollout.seconds)
          .map((n) => n.toFixed(0).padStart(6))
          .join('')}`,
    ),
    `    ${'other processes (not this bench)'.padEnd(40)} ${binned(rollout.cpuTimeline.at, rollout.cpuTimeline.others, rollout.seconds)
      .map((n) => n.toFixed(0).padStart(6))
      .join('')}`,
    `    ${'machine busy, % of all cores'.padEnd(40)} ${binned(rollout.cpuTimeline.at, rollout.cpuTimeline.machine, rollout.seconds)
      .map((n) => n.toFixed(0).padStart(6))
      .join('')}`,
    `  backlog over time   (unfinished messages at ${timelineColumns} points across the window)`,
    ...rollout.backlogs
      .filter((b) => b.peak > 0)
      .map(
        (b) =>
          `    ${b.consumer.padEnd(40)} ${timeline(b.series, rollout.seconds)
            .map((n) => String(n).padStart(6))
            .join('')}`,
      ),
    `  histograms          (observations from create until the audit caught up, ${r.auditCaughtUpSeconds === null ? 'which it did not within 120 s' : `${f1(r.auditCaughtUpSeconds)} s after finished`})`,
    ...r.histograms.map(
      (h) =>
        `    ${`${h.service}: ${h.name}`.padEnd(56)} n=${String(h.count).padEnd(7)} p50 ${h.p50.toFixed(3)} s  p99 ${h.p99.toFixed(3)} s`,
    ),
    `  service counters`,
    ...Object.entries(r.counters).flatMap(([s, ls]) => ls.map((l) => `    ${s}: ${l}`)),
  ];
  console.log(lines.join('\n'));
  // The series are long; the JSON line keeps everything but them.
  const backlogs = r.rollout.backlogs.map(({ series: _series, ...rest }) => rest);
  console.log(
    `JSON ${JSON.stringify({ ...r, fleetProcesses: fleet ?? null, openFiles: rollout.cpuTimeline.openFiles, rollout: { ...r.rollout, backlogs, cpuTimeline: undefined } })}`,
  );
}
