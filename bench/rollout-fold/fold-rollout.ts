import type { RolloutEvent, Strategy } from '@keelson/events';
import type { Rollout, RolloutCommand } from '@keelson/rollout-orchestrator/dist/rollouts/domain/rollout.decider.js';

/** What the bench needs of a rollout decider: the current one, or a baseline's (which has its own state type). */
export interface RolloutFold<S> {
  initialState(): S;
  decide(command: RolloutCommand, state: S): RolloutEvent[];
  evolve(state: S, event: RolloutEvent): S;
  /** The current decider's decide with the state its events lead to (a baseline may not have it). */
  decideAndEvolve?(command: RolloutCommand, state: S): { events: RolloutEvent[]; state: S };
}

/** The events and the state after them, as handleCommand gets them: the decider's own fold if it has one. */
function decideAndEvolve<S>(fold: RolloutFold<S>, command: RolloutCommand, state: S): { events: RolloutEvent[]; state: S } {
  if (fold.decideAndEvolve) return fold.decideAndEvolve(command, state);
  const events = fold.decide(command, state);
  return { events, state: events.reduce(fold.evolve, state) };
}

const fleet = 'bench';
const rolloutId = 'r-benchfold0001';
const at = '2026-12-05T12:00:00.000Z';
const artifact = {
  name: 'app',
  version: '1.0.0',
  kind: 'model' as const,
  targetPath: 'model/app/1.0.0/app.bin',
  sha256: 'a'.repeat(64),
  length: 1,
};
const probe = { kind: 'file' as const, path: '/run/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 0 };

export const createCommand = (devices: number, strategy: Strategy): RolloutCommand => ({
  type: 'CreateRollout',
  fleet,
  rolloutId,
  at,
  artifact,
  groupId: 'g-bench',
  probe,
  strategy,
  deviceIds: Array.from({ length: devices }, (_, i) => `d-${String(i).padStart(6, '0')}`),
});

const report = (deviceId: string): RolloutCommand => ({
  type: 'RecordDeviceOutcome',
  fleet,
  rolloutId,
  at,
  deviceId,
  assignmentId: `${rolloutId}-${deviceId}`,
  state: 'healthy',
});

const assignedBy = (events: RolloutEvent[]) =>
  events.flatMap((e) => (e.type === 'WaveStarted' || e.type === 'DevicesAssigned' ? (e.data.deviceIds ?? []) : []));

/** A rollout under way: its state and the devices assigned and not reported yet, oldest first. */
export interface Progress<S> {
  state: S;
  waiting: string[];
}

export function created<S>(fold: RolloutFold<S>, command: RolloutCommand): Progress<S> {
  const { events, state } = decideAndEvolve(fold, command, fold.initialState());
  return { state, waiting: assignedBy(events) };
}

/**
 * Reports the next `count` waiting devices healthy, as the outcomes reactor would: decide (which
 * evolves what follows to find the next step) and keep that fold, as handleCommand does. Returns
 * each outcome's time in nanoseconds; `progress` moves on.
 */
export function reportOutcomes<S>(fold: RolloutFold<S>, progress: Progress<S>, count: number): Float64Array {
  const times = new Float64Array(count);
  let next = 0;
  for (let i = 0; i < count; i++) {
    const deviceId = progress.waiting[next++];
    if (deviceId === undefined) throw new Error(`bench: nothing waits for an outcome after ${i} outcomes`);
    const start = process.hrtime.bigint();
    const { events, state } = decideAndEvolve(fold, report(deviceId), progress.state);
    progress.state = state;
    times[i] = Number(process.hrtime.bigint() - start);
    for (const d of assignedBy(events)) progress.waiting.push(d);
  }
  progress.waiting.splice(0, next);
  return times;
}

/** The status a state reached (both deciders' states carry it). */
export const statusOf = (state: Rollout | { status: string }): string => state.status;
