import type { BaselineResult } from './baseline.js';
import type { RolloutFigures } from './rollout-window.js';

export interface BenchReport {
  devices: number;
  cores: number;
  enrollSeconds: number;
  listedSeconds: number;
  rollout: RolloutFigures;
  baseline: BaselineResult;
  peakRss: { name: string; mib: number | undefined }[];
  counters: Record<string, string[]>;
}

const f1 = (n: number) => n.toFixed(1);

/** The figures as a human reads them, then one JSON line for scripts and the README. */
export function printReport(r: BenchReport): void {
  const { rollout } = r;
  const events = Object.entries(rollout.appended).filter(([s]) => s.startsWith('EV_'));
  const eventCount = events.reduce((n, [, c]) => n + c.messages, 0);
  const inbox = rollout.appended.DEVICE_INBOX?.messages ?? 0;
  const lines = [
    `rollout-fanout: ${r.devices} simulated devices, one wave (100 %), file probe, ${r.cores} cores`,
    `  enrollment          ${f1(r.enrollSeconds)} s (${f1(r.devices / r.enrollSeconds)} devices/s), then ${f1(r.listedSeconds)} s until all listed and reachable`,
    `  rollout             ${rollout.status}: ${JSON.stringify(rollout.states)} (create answered in ${rollout.createAnsweredSeconds.toFixed(2)} s)`,
    `  create → finished   ${f1(rollout.seconds)} s   ${f1(r.devices / rollout.seconds)} devices/s`,
    `  terminal reports    p50 ${f1(rollout.terminalQuantiles.p50)} s, p90 ${f1(rollout.terminalQuantiles.p90)} s, last ${f1(rollout.terminalQuantiles.p100)} s after create`,
    `  events appended     ${eventCount} (${f1(eventCount / rollout.seconds)} events/s): ${events.map(([s, c]) => `${s} ${c.messages}`).join(', ')}`,
    `  device messages     ${inbox} into DEVICE_INBOX (${f1(inbox / rollout.seconds)}/s)`,
    `  broker baseline     ${r.baseline.messages} MQTT QoS 1 publishes → JetStream in ${r.baseline.seconds.toFixed(2)} s (${f1(r.baseline.perSecond)}/s), no Keelson logic`,
    `  CPU during rollout  (window ${f1(rollout.seconds)} s, ${r.cores} cores = ${f1(rollout.seconds * r.cores)} CPU-s available)`,
    ...rollout.cpu.map((c) => `    ${c.name.padEnd(28)} ${f1(c.seconds).padStart(7)} CPU-s  ${f1((100 * c.seconds) / rollout.seconds).padStart(5)} % of one core`),
    `  peak RSS (VmHWM)`,
    ...r.peakRss.map((p) => `    ${p.name.padEnd(28)} ${String(p.mib ?? '?').padStart(6)} MiB`),
    `  consumer backlogs   (peak unfinished messages; last seen busy, seconds after create)`,
    ...rollout.backlogs.filter((b) => b.peak > 0).map((b) => `    ${`${b.stream}/${b.consumer}`.padEnd(56)} peak ${String(b.peak).padStart(6)}  busy until ${f1(b.lastBusyAt).padStart(6)} s  redelivered ${b.redelivered}`),
    `  service counters`,
    ...Object.entries(r.counters).flatMap(([s, ls]) => ls.map((l) => `    ${s}: ${l}`)),
  ];
  console.log(lines.join('\n'));
  console.log(`JSON ${JSON.stringify(r)}`);
}
