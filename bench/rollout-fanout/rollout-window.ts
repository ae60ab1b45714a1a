import type { JetStreamManager } from '@nats-io/jetstream';
import type { BenchFleet } from './bench-fleet.js';
import { sampleCpu, type CpuTimeline } from './cpu-timeline.js';
import type { OperatorApi, RolloutView } from './operator-api.js';
import { cpuBetween, cpuSnapshot, type WatchedProcess } from './resources.js';
import { streamCounts, watchConsumers, watchedStreams, type ConsumerBacklog } from './stream-watch.js';

const finished = new Set(['succeeded', 'failed', 'halted', 'aborted']);

export interface RolloutFigures {
  rolloutId: string;
  status: string;
  devices: number;
  states: Record<string, number>;
  /** Create request sent → rollout view says finished. */
  seconds: number;
  /** Create request sent → the last device sent its terminal report (the devices' own view). */
  lastTerminalReportSeconds: number;
  /** Terminal reports seen at 50 % / 90 % / 100 % of the fleet, seconds after create. */
  terminalQuantiles: { p50: number; p90: number; p100: number };
  createAnsweredSeconds: number;
  /** For each state the devices report: seconds after create when 10 %, 50 %, 90 %, all of the devices had first reported it. */
  stateTimeline: Record<string, { n: number; p10: number; p50: number; p90: number; p100: number }>;
  appended: Record<string, { messages: number; bytes: number }>;
  cpu: { name: string; seconds: number }[];
  backlogs: ConsumerBacklog[];
  cpuTimeline: CpuTimeline;
}

/** Creates the rollout and measures it until it finishes: stream growth, CPU per process, consumer backlogs. */
export async function measureRollout(input: {
  api: OperatorApi; jsm: JetStreamManager; fleet: BenchFleet; processes: WatchedProcess[];
  artifact: string; group: string; timeoutMs: number; progress?: (line: string) => void;
}): Promise<RolloutFigures> {
  const { api, jsm, fleet, processes } = input;
  const before = await streamCounts(jsm);
  const cpuBefore = cpuSnapshot(processes);
  const watch = watchConsumers(jsm);
  const cpuSampler = sampleCpu(processes);
  const t0 = performance.now();
  let view: RolloutView;
  let createAnsweredSeconds: number;
  try {
    view = await api.createRollout(input.artifact, input.group);
    createAnsweredSeconds = (performance.now() - t0) / 1000;
    const deadline = t0 + input.timeoutMs;
    let lastProgress = t0;
    while (!finished.has(view.status)) {
      if (performance.now() - lastProgress > 10_000) {
        lastProgress = performance.now();
        const done = view.devices.filter((d) => ['healthy', 'failed', 'rolled_back'].includes(d.state)).length;
        input.progress?.(`${((lastProgress - t0) / 1000).toFixed(0)} s: ${view.status}, ${done}/${view.devices.length} devices terminal in the view, ${fleet.terminalAt(view.rolloutId).size} reported so far`);
      }
      if (performance.now() > deadline) throw new Error(`bench: rollout ${view.rolloutId} still ${view.status} after ${input.timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
      view = await api.getRollout(view.rolloutId);
    }
  } catch (err) {
    cpuSampler.stop();
    await watch.stop().catch(() => []);
    throw err;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuTimeline = cpuSampler.stop();
  const cpu = cpuBetween(cpuBefore, cpuSnapshot(processes));
  const after = await streamCounts(jsm);
  const backlogs = await watch.stop();
  const sinceCreate = (ts: Iterable<number>) => [...ts].map((t) => (t - t0) / 1000).sort((a, b) => a - b);
  const quantile = (xs: number[], q: number) => xs[Math.max(0, Math.ceil(q * xs.length) - 1)] ?? Number.NaN;
  const reported = sinceCreate(fleet.terminalAt(view.rolloutId).values());
  const at = (q: number) => quantile(reported, q);
  const stateTimeline: RolloutFigures['stateTimeline'] = {};
  for (const [state, times] of fleet.stateTimes(view.rolloutId)) {
    const xs = sinceCreate(times);
    stateTimeline[state] = { n: xs.length, p10: quantile(xs, 0.1), p50: quantile(xs, 0.5), p90: quantile(xs, 0.9), p100: quantile(xs, 1) };
  }
  const states: Record<string, number> = {};
  for (const d of view.devices) states[d.state] = (states[d.state] ?? 0) + 1;
  return {
    rolloutId: view.rolloutId, status: view.status, devices: view.devices.length, states, seconds, createAnsweredSeconds, stateTimeline,
    lastTerminalReportSeconds: at(1),
    terminalQuantiles: { p50: at(0.5), p90: at(0.9), p100: at(1) },
    appended: Object.fromEntries(watchedStreams.map((s) => [s, { messages: after[s]!.messages - before[s]!.messages, bytes: after[s]!.bytes - before[s]!.bytes }])),
    cpu, backlogs, cpuTimeline,
  };
}
