import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { BenchFleet } from './bench-fleet.js';
import { sampleCpu, type CpuTimeline } from './cpu-timeline.js';
import { rolloutEnd, type RolloutEnd } from './rollout-end.js';
import type { OperatorApi, RolloutView } from './operator-api.js';
import { syscallsBetween, syscallSnapshot, type Syscalls } from './process-io.js';
import { cpuBetween, cpuSnapshot, type WatchedProcess } from './resources.js';
import { streamCounts, watchConsumers, watchedStreams, type ConsumerBacklog } from './stream-watch.js';
import { tapSubjects, type SubjectTap } from './subject-tap.js';

export interface RolloutFigures {
  rolloutId: string;
  status: string;
  devices: number;
  states: Record<string, number>;
  /** The first devices (up to 10) that ended in a state other than healthy, with the reason they gave: why a rollout halted. */
  failures: { deviceId: string; state: string; reason?: string }[];
  /** Create request sent → JetStream stored the event that ended the rollout (RolloutFinished, or halted/aborted). */
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
  /** Read and write system calls per process over the window (`/proc/<pid>/io`). */
  syscalls: ({ name: string } & Syscalls)[];
  backlogs: ConsumerBacklog[];
  cpuTimeline: CpuTimeline;
  /** Acks and pulls per consumer, other JetStream API requests (with `--tap-acks`). */
  tap?: SubjectTap;
}

/** Creates the rollout and measures it until it finishes: stream growth, CPU per process, consumer backlogs. */
export async function measureRollout(input: {
  api: OperatorApi;
  jsm: JetStreamManager;
  fleet: BenchFleet;
  processes: WatchedProcess[];
  artifact: string;
  group: string;
  timeoutMs: number;
  progress?: (line: string) => void;
  /** More measurements over the same window (profilers, server counters): started just before the create request, stopped at the end. */
  probe?: { start(): Promise<void>; stop(): Promise<unknown> };
  /** Count every ack and JetStream API request over the window on this (unrestricted) connection. */
  tap?: NatsConnection;
}): Promise<RolloutFigures> {
  const { api, jsm, fleet, processes } = input;
  const before = await streamCounts(jsm);
  await input.probe?.start();
  // The create POST is not retried (not idempotent): send it on a socket just used, not one idle for
  // seconds that the api's keep-alive timeout may be closing under it ("other side closed").
  await api.reachableDevices();
  const cpuBefore = cpuSnapshot(processes);
  const ioBefore = syscallSnapshot(processes);
  const watch = watchConsumers(jsm);
  const tap = input.tap && tapSubjects(input.tap);
  const cpuSampler = sampleCpu(processes);
  const t0Wall = Date.now();
  const t0 = performance.now();
  const abort = new AbortController();
  let created: RolloutView;
  let createAnsweredSeconds: number;
  let end: RolloutEnd;
  try {
    created = await api.createRollout(input.artifact, input.group);
    createAnsweredSeconds = (performance.now() - t0) / 1000;
    const timer = setTimeout(
      () => abort.abort(`bench: rollout ${created.rolloutId} not over after ${input.timeoutMs / 1000} s`),
      Math.max(0, t0 + input.timeoutMs - performance.now()),
    );
    const progress = setInterval(() => {
      const counts = [...fleet.stateTimes(created.rolloutId)].map(([state, times]) => `${state} ${times.length}`).join(', ');
      input.progress?.(`${((performance.now() - t0) / 1000).toFixed(0)} s: devices reported ${counts || 'nothing yet'}`);
    }, 10_000);
    try {
      end = await rolloutEnd(jsm, 'default', created.rolloutId, abort.signal);
    } finally {
      clearTimeout(timer);
      clearInterval(progress);
    }
  } catch (err) {
    cpuSampler.stop();
    await tap?.stop().catch(() => undefined);
    await watch.stop().catch(() => []);
    await input.probe?.stop().catch(() => undefined);
    throw err;
  }
  const seconds = (end.storedAtMs - t0Wall) / 1000;
  const cpuTimeline = cpuSampler.stop();
  const cpu = cpuBetween(cpuBefore, cpuSnapshot(processes));
  const syscalls = syscallsBetween(ioBefore, syscallSnapshot(processes));
  const traffic = await tap?.stop();
  await input.probe?.stop();
  const after = await streamCounts(jsm);
  const backlogs = await watch.stop();
  const view = await api.getRollout(created.rolloutId);
  const sinceCreate = (ts: Iterable<number>) => [...ts].map((t) => (t - t0) / 1000).sort((a, b) => a - b);
  const quantile = (xs: number[], q: number) => xs[Math.max(0, Math.ceil(q * xs.length) - 1)] ?? Number.NaN;
  const reported = sinceCreate(fleet.terminalAt(view.rolloutId).values());
  const at = (q: number) => quantile(reported, q);
  const stateTimeline: RolloutFigures['stateTimeline'] = {};
  for (const [state, times] of fleet.stateTimes(view.rolloutId)) {
    const xs = sinceCreate(times);
    stateTimeline[state] = { n: xs.length, p10: quantile(xs, 0.1), p50: quantile(xs, 0.5), p90: quantile(xs, 0.9), p100: quantile(xs, 1) };
  }
  // Counted from the recorded outcomes, not the view: it lists 1000 devices at most.
  const devices = view.deviceCount ?? view.devices.length;
  const states: Record<string, number> = {};
  for (const { state } of end.outcomes.values()) states[state] = (states[state] ?? 0) + 1;
  if (devices > end.outcomes.size) states['no outcome'] = devices - end.outcomes.size;
  const failures = [...end.outcomes]
    .filter(([, o]) => o.state !== 'healthy')
    .slice(0, 10)
    .map(([deviceId, o]) => ({ deviceId, state: o.state, ...(o.reason ? { reason: o.reason } : {}) }));
  return {
    rolloutId: view.rolloutId,
    status: view.status,
    devices,
    states,
    failures,
    seconds,
    createAnsweredSeconds,
    stateTimeline,
    lastTerminalReportSeconds: at(1),
    terminalQuantiles: { p50: at(0.5), p90: at(0.9), p100: at(1) },
    appended: Object.fromEntries(
      watchedStreams.map((s) => [s, { messages: after[s]!.messages - before[s]!.messages, bytes: after[s]!.bytes - before[s]!.bytes }]),
    ),
    cpu,
    syscalls,
    backlogs,
    cpuTimeline,
    ...(traffic ? { tap: traffic } : {}),
  };
}
