import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { openFilesTracker, type OpenFilesPeak } from './open-files.js';
import { cpuDelta, cpuSnapshot, type WatchedProcess } from './resources.js';

/** Busy and total CPU time of the whole machine (all processes, everyone's), from /proc/stat, in ticks. */
function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
  const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0); // idle + iowait
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

export interface CpuTimeline {
  /** Sample times, seconds after the sampler began. */
  at: number[];
  /** Per process: share of one core used between the previous sample and this one (100 = one full core). */
  processes: Record<string, number[]>;
  /** The whole machine's busy share of all its cores (0-100), our processes and everyone else's. */
  machine: number[];
  /** Share of one core used by processes that are not ours (other users of the machine). */
  others: number[];
  /** Per process (PostgreSQL left out): the most open file descriptors seen at a sample, and the soft limit. */
  openFiles: Record<string, OpenFilesPeak>;
}

/**
 * Samples CPU per watched process and of the whole machine once a second, so the report can show
 * which process is saturated in which phase (totals over the window hide that) and whether the
 * machine itself was the limit.
 */
export function sampleCpu(processes: WatchedProcess[], intervalMs = 1000): { stop(): CpuTimeline } {
  const started = performance.now();
  const files = openFilesTracker(processes);
  const timeline: CpuTimeline = {
    at: [],
    processes: Object.fromEntries(processes.map((p) => [p.name, []])),
    machine: [],
    others: [],
    openFiles: {},
  };
  let last = { t: started, cpu: cpuSnapshot(processes), machine: machineTicks() };
  const sample = () => {
    const now = { t: performance.now(), cpu: cpuSnapshot(processes), machine: machineTicks() };
    const seconds = (now.t - last.t) / 1000;
    if (seconds <= 0) return;
    timeline.at.push((now.t - started) / 1000);
    let ours = 0;
    for (const name of now.cpu.keys()) {
      const share = (100 * cpuDelta(last.cpu, now.cpu, name)) / seconds;
      ours += share;
      timeline.processes[name]!.push(share);
    }
    const total = now.machine.total - last.machine.total;
    const busy = total > 0 ? (now.machine.busy - last.machine.busy) / total : 0;
    timeline.machine.push(100 * busy);
    timeline.others.push(Math.max(0, 100 * busy * availableParallelism() - ours));
    files.sample();
    last = now;
  };
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { ...timeline, openFiles: files.peaks() };
    },
  };
}
