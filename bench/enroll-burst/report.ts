import type { BurstFigures } from './burst-window.js';

export interface EnrollBurstReport {
  devices: number;
  concurrency: number;
  cores: number;
  /** The device side, before the window: key generation and CSR in the bench process. */
  deviceSide: { seconds: number; cpuSeconds: number };
  /** Tokens minted through the operator API, before the window. */
  minting: { seconds: number };
  burst: BurstFigures;
}

const f1 = (n: number) => n.toFixed(1);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** The figures as a human reads them, then one JSON line for scripts and the README. */
export function printEnrollBurstReport(r: EnrollBurstReport): void {
  const { burst } = r;
  const perDeviceMs = (cpuSeconds: number) => ((1000 * cpuSeconds) / Math.max(1, burst.enrolled)).toFixed(2);
  const platformCpu = burst.cpu.filter((c) => !c.name.startsWith('bench'));
  const platformTotal = platformCpu.reduce((n, c) => n + c.seconds, 0);
  const failures = Object.entries(burst.failed);
  const lines = [
    `enroll-burst: ${r.devices} devices, ${r.concurrency} enrollments in flight, ${r.cores} cores`,
    `  device side         key + CSR: ${((1000 * r.deviceSide.cpuSeconds) / r.devices).toFixed(2)} CPU-ms per device (${f1(r.deviceSide.seconds)} s for all, before the window)`,
    `  token minting       ${f1(r.minting.seconds)} s (${f1(r.devices / r.minting.seconds)} tokens/s through the operator API, before the window)`,
    `  enrollment          ${burst.enrolled} enrolled in ${f1(burst.seconds)} s: ${f1(burst.enrolled / burst.seconds)} devices/s`,
    `  latency per device  p50 ${burst.latencyMs.p50.toFixed(0)} ms, p90 ${burst.latencyMs.p90.toFixed(0)} ms, p99 ${burst.latencyMs.p99.toFixed(0)} ms, max ${burst.latencyMs.max.toFixed(0)} ms`,
    `  p99 by tenth        ${burst.p99ByTenthMs.map((ms) => ms.toFixed(0).padStart(6)).join('')} ms (devices in the order sent)`,
    ...(failures.length
      ? [`  FAILED              ${failures.map(([status, f]) => `${f.count} × HTTP ${status} (first: ${f.first})`).join('; ')}`]
      : []),
    `  CPU in the window   (${f1(burst.seconds)} s × ${r.cores} cores = ${f1(burst.seconds * r.cores)} CPU-s available; CPU-ms per enrollment)`,
    ...burst.cpu.map(
      (c) =>
        `    ${c.name.padEnd(28)} ${f1(c.seconds).padStart(7)} CPU-s  ${f1((100 * c.seconds) / burst.seconds).padStart(5)} % of one core  ${perDeviceMs(c.seconds).padStart(7)} ms/device`,
    ),
    `    ${'platform (all but bench)'.padEnd(28)} ${f1(platformTotal).padStart(7)} CPU-s  ${f1((100 * platformTotal) / burst.seconds).padStart(5)} % of one core  ${perDeviceMs(platformTotal).padStart(7)} ms/device`,
    // A shared machine: what others used in the window says how much of it this run really had.
    `    ${'other processes (not ours)'.padEnd(28)} ${''.padStart(7)}        ${f1(mean(burst.cpuTimeline.others)).padStart(5)} % of one core (machine busy ${f1(mean(burst.cpuTimeline.machine))} % of all cores)`,
  ];
  console.log(lines.join('\n'));
  console.log(`JSON ${JSON.stringify({ ...r, burst: { ...burst, cpuTimeline: undefined } })}`);
}
