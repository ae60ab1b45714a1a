import type { RolloutEvent } from '@keelson/events';
import { resumedClock, startedClock, stoppedClock, type DeviceClock } from './device-clock.js';
import type { DeviceRecord } from './device-ledger.js';

/** Where a rollout is in its life. */
export type RolloutPhase =
  | { status: 'running' }
  | { status: 'awaiting-approval'; wave: number }
  | { status: 'halted'; reason: string; automatic: boolean; haltedAt: string }
  | { status: 'aborted'; mode: 'keep' | 'revert'; abortedAt: string }
  | { status: 'finished'; outcome: 'succeeded' | 'failed'; finishedAt: string };

/** The facts the phase rules read and change: the waves started and approved, the failures acknowledged. */
export interface PhaseFacts {
  startedWaves: number;
  approvedWaves: number[];
  /** Failures an operator acknowledged by resuming; only failures beyond these count against the halt rule. */
  acknowledgedFailures: number;
  /** Devices finished when an operator last resumed: the failure rate looks only at the ones after. */
  acknowledgedFinished: number;
}

/** Outcomes recorded so far and how many of them are failures (timeouts included). */
export interface OutcomeCounts {
  outcomes: number;
  failures: number;
}

type Phased<F extends PhaseFacts> = RolloutPhase & { facts: F };

const withPhase = <F extends PhaseFacts>(state: Phased<F>, phase: RolloutPhase): Phased<F> => ({ ...phase, facts: state.facts });
const withFacts = <F extends PhaseFacts>(state: Phased<F>, facts: Partial<PhaseFacts>): Phased<F> => ({
  ...state,
  facts: { ...state.facts, ...facts },
});

/**
 * The phase and wave counters after `event`, or null for an event about devices. The aggregate's
 * evolve and the read model's rollout summary both move by it, so they cannot drift apart.
 * `counts` is read only for a resume (spec: "acknowledge failures and resume").
 */
export function nextPhase<F extends PhaseFacts>(state: Phased<F>, event: RolloutEvent, counts: () => OutcomeCounts): Phased<F> | null {
  switch (event.type) {
    case 'WaveStarted': {
      const next = withFacts(state, { startedWaves: Math.max(state.facts.startedWaves, event.data.wave + 1) });
      return state.status === 'awaiting-approval' ? withPhase(next, { status: 'running' }) : next;
    }
    case 'WaveAwaitingApproval':
      return withPhase(state, { status: 'awaiting-approval', wave: event.data.wave });
    case 'WaveApproved': {
      const next = withFacts(state, { approvedWaves: [...new Set([...state.facts.approvedWaves, event.data.wave])] });
      return state.status === 'awaiting-approval' ? withPhase(next, { status: 'running' }) : next;
    }
    case 'RolloutHalted':
      return withPhase(state, {
        status: 'halted',
        reason: event.data.reason,
        automatic: event.data.automatic,
        haltedAt: event.data.haltedAt,
      });
    case 'RolloutResumed': {
      const { failures, outcomes } = counts();
      return withPhase(withFacts(state, { acknowledgedFailures: failures, acknowledgedFinished: outcomes }), { status: 'running' });
    }
    case 'RolloutAborted':
      return withPhase(state, { status: 'aborted', mode: event.data.mode, abortedAt: event.data.abortedAt });
    case 'RolloutFinished':
      return withPhase(state, { status: 'finished', outcome: event.data.outcome, finishedAt: event.data.finishedAt });
    default:
      return null;
  }
}

/** A device's record once assigned at `at`: its clock starts (standing still if it is known unreachable). */
export const assignedRecord = (r: DeviceRecord, at: string): DeviceRecord =>
  r.clock ? r : { ...r, clock: startedClock(at, r.reachability?.reachable !== false) };

/** A device's record once the gateway said it is (un)reachable as of `asOfSeq`: its clock stops or runs again. */
export function reachabilityRecord(r: DeviceRecord, reachable: boolean, asOfSeq: number, at: string): DeviceRecord {
  const clock = r.clock && (reachable ? resumedClock(r.clock, at) : stoppedClock(r.clock, at));
  return { ...r, ...(clock ? { clock } : {}), reachability: { reachable, asOfSeq } };
}

/** Whether the phase is an abort with `revert`: assigned live devices then revert, each on its own clock. */
export const isReverting = (phase: RolloutPhase): phase is Extract<RolloutPhase, { status: 'aborted' }> =>
  phase.status === 'aborted' && phase.mode === 'revert';

/**
 * A reverting device's revert clock: it starts at the abort (standing still if the device was known
 * unreachable then) and, like the install's, runs only while the gateway says the device is reachable.
 */
export const revertClockOf = (r: DeviceRecord, abortedAt: string): DeviceClock =>
  r.revertClock ?? startedClock(abortedAt, r.reachability?.reachable !== false);

/** A device's record once the gateway spoke of it in `phase`: during a revert the revert's clock moves, else the install's. */
export function reachabilityRecordIn(phase: RolloutPhase, r: DeviceRecord, reachable: boolean, asOfSeq: number, at: string): DeviceRecord {
  if (!isReverting(phase)) return reachabilityRecord(r, reachable, asOfSeq, at);
  const clock = revertClockOf(r, phase.abortedAt);
  return { ...r, revertClock: reachable ? resumedClock(clock, at) : stoppedClock(clock, at), reachability: { reachable, asOfSeq } };
}
