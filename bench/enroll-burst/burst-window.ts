import { sampleCpu, type CpuTimeline } from '../rollout-fanout/cpu-timeline.js';
import { cpuBetween, cpuSnapshot, type WatchedProcess } from '../rollout-fanout/resources.js';
import type { DeviceRequest } from './device-requests.js';
import { postEnrollment } from './enroll-request.js';
import { inParallel, quantile } from './in-parallel.js';

export interface BurstFigures {
  enrolled: number;
  /** Refused or failed enrollments, by HTTP status (0: no answer), with the first answer of each. */
  failed: Record<string, { count: number; first: string }>;
  /** First request sent → last answer received. */
  seconds: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** p99 of the enrollments sent in each tenth of the devices, in order: a cold start or a slow end shows here. */
  p99ByTenthMs: number[];
  cpu: { name: string; seconds: number }[];
  cpuTimeline: CpuTimeline;
}

/**
 * The timed window: every prepared device enrolls with its token, `concurrency` at a time, each on a
 * fresh TLS connection. CPU per process is measured over exactly this window.
 */
export async function enrollBurst(input: {
  gatewayUrl: string;
  ca: string;
  requests: DeviceRequest[];
  tokens: string[];
  concurrency: number;
  processes: WatchedProcess[];
  probe?: { start(): Promise<void>; stop(): Promise<unknown> };
  progress?: (line: string) => void;
}): Promise<BurstFigures> {
  const latencies: number[] = [];
  const byTenth: number[][] = Array.from({ length: 10 }, () => []);
  const failed: BurstFigures['failed'] = {};
  const fail = (status: string, detail: string) => {
    const entry = (failed[status] ??= { count: 0, first: detail.slice(0, 300) });
    entry.count++;
  };
  await input.probe?.start();
  const cpuBefore = cpuSnapshot(input.processes);
  const sampler = sampleCpu(input.processes);
  const t0 = performance.now();
  const progress = setInterval(
    () => input.progress?.(`${((performance.now() - t0) / 1000).toFixed(0)} s: ${latencies.length} enrolled`),
    5_000,
  );
  try {
    await inParallel(input.requests, input.concurrency, async (device, i) => {
      const body = { token: input.tokens[i], csr: device.csr, name: device.name, hardware: device.hardware };
      try {
        const answer = await postEnrollment(input.gatewayUrl, input.ca, body);
        if (answer.status === 201) {
          latencies.push(answer.ms);
          byTenth[Math.floor((10 * i) / input.requests.length)]!.push(answer.ms);
        } else fail(String(answer.status), answer.body);
      } catch (err) {
        fail('0', err instanceof Error ? err.message : String(err));
      }
    });
  } finally {
    clearInterval(progress);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuTimeline = sampler.stop();
  const cpu = cpuBetween(cpuBefore, cpuSnapshot(input.processes));
  await input.probe?.stop();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    enrolled: latencies.length,
    failed,
    seconds,
    cpu,
    cpuTimeline,
    p99ByTenthMs: byTenth.map((xs) =>
      quantile(
        xs.sort((a, b) => a - b),
        0.99,
      ),
    ),
    latencyMs: { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? 0 },
  };
}
