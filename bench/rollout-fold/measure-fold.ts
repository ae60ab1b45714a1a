import type { Strategy } from '@keelson/events';
import { rolloutDecider } from '@keelson/rollout-orchestrator/dist/rollouts/domain/rollout.decider.js';
import { createCommand, created, reportOutcomes, statusOf, type RolloutFold } from './fold-rollout.js';

/** Where in the rollout a window of outcomes was timed, and what one outcome cost there (the window's median). */
export interface WindowFigures {
  /** Share of the outcomes recorded before the window. */
  at: number;
  currentUs: number;
  baselineUs?: number;
}

export interface FoldFigures {
  devices: number;
  scenario: string;
  /** Mean over every outcome of the rollout (the few that start a wave of thousands included), current code. */
  currentUs: number;
  windows: WindowFigures[];
  finalStatus: string;
}

const meanUs = (times: Float64Array) => times.reduce((a, b) => a + b, 0) / Math.max(1, times.length) / 1000;
// the median: a window is short, and one garbage collection pause would move its mean
const medianUs = (times: Float64Array) => times.slice().sort()[Math.floor(times.length / 2)]! / 1000;

/**
 * Folds a rollout of `devices` through every outcome with the current decider. The baseline decider
 * (if any) folds the same rollout beside it, untimed, with its own state (a fold may update the state
 * it is given), and at 10 %, 50 % and 90 % of the outcomes both are timed on the same `window`
 * outcomes: identical work at identical points.
 */
export function measureFold(
  devices: number,
  scenario: string,
  strategy: Strategy,
  window: number,
  baseline?: RolloutFold<unknown>,
): FoldFigures {
  const command = createCommand(devices, strategy);
  const progress = created(rolloutDecider, command);
  const beside = baseline ? created(baseline, command) : undefined;
  const all = new Float64Array(devices);
  const windows: WindowFigures[] = [];
  let done = 0;
  const timed = (count: number) => {
    all.set(reportOutcomes(rolloutDecider, progress, count), done);
    done += count;
  };
  for (const at of [0.1, 0.5, 0.9]) {
    const before = Math.floor(devices * at) - done;
    timed(before);
    if (baseline && beside) reportOutcomes(baseline, beside, before);
    const baselineUs = baseline && beside ? medianUs(reportOutcomes(baseline, beside, window)) : undefined;
    timed(window);
    windows.push({ at, currentUs: medianUs(all.subarray(done - window, done)), ...(baselineUs === undefined ? {} : { baselineUs }) });
  }
  timed(devices - done);
  return { devices, scenario, currentUs: meanUs(all), windows, finalStatus: statusOf(progress.state) };
}
