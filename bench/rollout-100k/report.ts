import type { LargestEvent } from './largest-events.js';

export interface Rollout100kReport {
  devices: number;
  registeredSeconds: number;
  listedSeconds: number;
  createSeconds: number;
  finishedSeconds: number;
  outcome: string;
  outcomes: number;
  rolloutEvents: Record<string, number>;
  largest: LargestEvent[];
  baselineSeconds: number;
  peakRss: { name: string; mib: number | undefined }[];
  /** CPU seconds each process spent while the create request was answered (steadier than its wall time on a shared machine). */
  createCpu: { name: string; seconds: number }[];
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const verdict = (ok: boolean) => (ok ? 'ok' : 'OVER THE BAR');

/** Prints the figures as a Markdown table (what bench/README.md quotes) and the bars they meet or miss. */
export function printReport(r: Rollout100kReport): void {
  const largestOverall = Math.max(...r.largest.map((l) => l.withHeadersBytes));
  const lines = [
    `## rollout-100k: ${r.devices} devices, one rollout (waves 1 %, 100 %)`,
    '',
    '| figure | value | bar |',
    '|---|---|---|',
    `| register (DeviceEnrolled appended) / listed by the gateway | ${r.registeredSeconds.toFixed(1)} s / ${r.listedSeconds.toFixed(1)} s | - |`,
    `| create (cmd.orchestrator.create-rollout, selector → ${r.devices} devices) | ${r.createSeconds.toFixed(2)} s | ≤ 5 s: ${verdict(r.createSeconds <= 5)} |`,
    `| CPU while creating (all processes; ${r.createCpu.map((p) => `${p.name} ${(p.seconds * 1000).toFixed(0)}`).join(', ')} ms) | ${(r.createCpu.reduce((a, p) => a + p.seconds, 0) * 1000).toFixed(0)} ms | - |`,
    `| create → RolloutFinished (${r.outcome}) | ${r.finishedSeconds.toFixed(1)} s (${(r.devices / r.finishedSeconds).toFixed(0)} devices/s) | - |`,
    `| outcomes recorded | ${r.outcomes} of ${r.devices} | all: ${verdict(r.outcomes === r.devices)} |`,
    `| broker alone: ${r.devices} report-sized JetStream publishes, same concurrency | ${r.baselineSeconds.toFixed(1)} s (rollout took ${(r.finishedSeconds / r.baselineSeconds).toFixed(0)}×) | - |`,
    `| largest message, any stream below (payload + headers) | ${kib(largestOverall)} | ≤ 64 KiB: ${verdict(largestOverall <= 64 * 1024)} |`,
    '',
    '| stream | messages | largest payload | with headers | its type |',
    '|---|---|---|---|---|',
    ...r.largest.map((l) => `| ${l.stream} | ${l.messages} | ${kib(l.payloadBytes)} | ${kib(l.withHeadersBytes)} | ${l.type} |`),
    '',
    `rollout events: ${Object.entries(r.rolloutEvents)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}`,
    '',
    '| process | peak RSS |',
    '|---|---|',
    ...r.peakRss.map((p) => `| ${p.name} | ${p.mib ?? '?'} MiB |`),
  ];
  console.log(lines.join('\n'));
}
