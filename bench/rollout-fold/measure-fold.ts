import type { Strategy } from '@keelson/events';
import { rolloutDocument } from '@keelson/rollout-orchestrator/dist/rollouts/read-models/rollout-document.js';
import { rolloutDecider, type Rollout } from '@keelson/rollout-orchestrator/dist/rollouts/domain/rollout.decider.js';
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
 * Folds a rollout of `devices` through every outcome with the current decider. At 10 %, 50 % and
 * 90 % of the outcomes, the baseline decider (if any) takes over a copy of the same state (the
 * read model's document, which is the old state shape) and the same waiting devices for `window`
 * outcomes: both are timed on identical work at identical points.
 */
export function measureFold(
  devices: number,
  scenario: string,
  strategy: Strategy,
  window: number,
  baseline?: RolloutFold<unknown>,
): FoldFigures {
  const progress = created(rolloutDecider, createCommand(devices, strategy));
  const all = new Float64Array(devices);
  const windows: WindowFigures[] = [];
  let done = 0;
  const timed = (count: number) => {
    all.set(reportOutcomes(rolloutDecider, progress, count), done);
    done += count;
  };
  for (const at of [0.1, 0.5, 0.9]) {
    timed(Math.floor(devices * at) - done);
    const copy = { state: rolloutDocument(progress.state as Rollout), waiting: [...progress.waiting] };
    const baselineUs = baseline ? medianUs(reportOutcomes(baseline, copy, window)) : undefined;
    timed(window);
    windows.push({ at, currentUs: medianUs(all.subarray(done - window, done)), ...(baselineUs === undefined ? {} : { baselineUs }) });
  }
  timed(devices - done);
  return { devices, scenario, currentUs: meanUs(all), windows, finalStatus: statusOf(progress.state) };
}
