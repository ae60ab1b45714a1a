// The rollout fold as it was before the device ledger (main at fbafaaf, O(devices) per outcome), kept
// unchanged as the reference that rollout-fold.equivalence.spec.ts compares the current decider with.
import type { RolloutEvent } from '@keelson/events';
import {
  assignedDevices,
  evolve,
  failureCount,
  isLive,
  isReachable,
  type LiveRollout,
  type Rollout,
  type RolloutFacts,
} from './rollout.evolve.js';
import { devicesOfWave } from '../../rollouts/domain/wave-plan.js';

type Ref = { fleet: string; rolloutId: string };

/**
 * Why the halt rule trips, or null. Failures (`rolled_back`, `failed`, timed out) count since the
 * last resume: more than `maxFailures` halts; so does, once at least `minFinished` devices finished
 * since then, a failed share above `failureRate.maxPercent`.
 */
export function haltRuleReason(facts: RolloutFacts): string | null {
  const { maxFailures, failureRate } = facts.strategy;
  const failures = failureCount(facts) - facts.acknowledgedFailures;
  if (failures > maxFailures) return `halt rule: ${failures} device(s) rolled back or failed, ${maxFailures} tolerated`;
  if (!failureRate) return null;
  const finished = Object.keys(facts.outcomes).length - facts.acknowledgedFinished;
  if (finished < failureRate.minFinished || failures * 100 <= failureRate.maxPercent * finished) return null;
  return `halt rule: ${failures} of ${finished} finished device(s) rolled back or failed, over ${failureRate.maxPercent}%`;
}

/** Live devices of a wave not assigned yet, in rollout order. */
const unassignedOf = (facts: RolloutFacts, wave: number): string[] =>
  devicesOfWave(facts.strategy, wave, facts.deviceIds).filter((d) => isLive(facts, d) && !Object.hasOwn(facts.clocks, d));

/**
 * More devices to assign, or the next wave, or null. Devices in flight (assigned, live, reachable,
 * not terminal) are capped by `maxConcurrent`; an unreachable device holds no slot and blocks no
 * wave or gate: it keeps its assignment and updates when it returns.
 */
function nextAssignment(facts: RolloutFacts, ref: Ref, at: string): RolloutEvent | null {
  const assigned = assignedDevices(facts);
  const waitedFor = assigned.filter((d) => !facts.outcomes[d] && isLive(facts, d) && isReachable(facts, d));
  const slots = (facts.strategy.maxConcurrent ?? Number.POSITIVE_INFINITY) - waitedFor.length;
  if (facts.startedWaves > 0) {
    const wave = facts.startedWaves - 1;
    const pending = unassignedOf(facts, wave);
    if (pending.length > 0)
      return slots > 0
        ? { type: 'DevicesAssigned', schemaVersion: 1, data: { ...ref, wave, deviceIds: pending.slice(0, slots), assignedAt: at } }
        : null;
  }
  const wave = facts.startedWaves;
  if (wave >= facts.strategy.waves.length || waitedFor.length > 0) return null;
  const deviceIds = unassignedOf(facts, wave);
  // A wave that adds no device (tiny groups) has nothing to approve: it passes straight through.
  if (facts.strategy.waves[wave]?.gate === 'manual' && !facts.approvedWaves.includes(wave) && deviceIds.length > 0) {
    return { type: 'WaveAwaitingApproval', schemaVersion: 1, data: { ...ref, wave } };
  }
  return { type: 'WaveStarted', schemaVersion: 2, data: { ...ref, wave, deviceIds: deviceIds.slice(0, slots), startedAt: at } };
}

/**
 * The one event that follows from the state by itself, or null when the rollout waits (for devices,
 * an approval or an operator). Order matters: finishing beats halting (nothing is left to protect),
 * halting beats widening.
 */
export function nextStep(state: LiveRollout, at: string): RolloutEvent | null {
  const { facts } = state;
  const ref = { fleet: facts.fleet, rolloutId: facts.rolloutId };
  if (state.status === 'aborted' || state.status === 'finished') return null;
  const live = facts.deviceIds.filter((d) => isLive(facts, d));
  if (live.every((d) => facts.outcomes[d])) {
    // spec: succeeded only if every live device is healthy (and there was one to update)
    const outcome = live.length > 0 && live.every((d) => facts.outcomes[d]?.state === 'healthy') ? 'succeeded' : 'failed';
    return { type: 'RolloutFinished', schemaVersion: 1, data: { ...ref, outcome, finishedAt: at } };
  }
  if (state.status === 'halted') return null;
  const reason = haltRuleReason(facts);
  if (reason) return { type: 'RolloutHalted', schemaVersion: 1, data: { ...ref, reason, automatic: true, haltedAt: at } };
  if (state.status === 'awaiting-approval') return null;
  return nextAssignment(facts, ref, at);
}

/** `first` and everything that follows from it in the same decision. */
export function andWhatFollows(state: LiveRollout, first: RolloutEvent[], at: string): RolloutEvent[] {
  const events = [...first];
  let current = first.reduce(evolve, state as Rollout) as LiveRollout;
  for (let step = nextStep(current, at); step; step = nextStep(current, at)) {
    events.push(step);
    current = evolve(current, step) as LiveRollout;
  }
  return events;
}
