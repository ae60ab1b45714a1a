import type { Decision } from '@keelson/domain-kit';
import type { RolloutEvent } from '@keelson/events';
import { evolve, failureCount, type LiveRollout, type Rollout, type RolloutFacts } from './rollout.evolve.js';

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
  const finished = facts.devices.tally.outcomes - facts.acknowledgedFinished;
  if (finished < failureRate.minFinished || failures * 100 <= failureRate.maxPercent * finished) return null;
  return `halt rule: ${failures} of ${finished} finished device(s) rolled back or failed, over ${failureRate.maxPercent}%`;
}

/** The first `limit` live devices of a wave not assigned yet, in rollout order, no more than one event holds. */
const unassignedOf = (facts: RolloutFacts, wave: number, limit: number): string[] =>
  facts.devices.pending(facts.strategy, wave, limit, true);

/**
 * More devices to assign (one event's worth: the decision loops for the rest), or the next wave, or
 * null. A wave starts without its devices: they follow as `DevicesAssigned` chunks in the same
 * decision, so the assignments reactor gets them a chunk per message. Devices in flight (assigned,
 * live, reachable, not terminal) are capped by `maxConcurrent`; an unreachable device holds no slot
 * and blocks no wave or gate: it keeps its assignment and updates when it returns.
 */
function nextAssignment(facts: RolloutFacts, ref: Ref, at: string): RolloutEvent | null {
  const { waitedFor } = facts.devices.tally;
  const slots = (facts.strategy.maxConcurrent ?? Number.POSITIVE_INFINITY) - waitedFor;
  if (facts.startedWaves > 0) {
    const wave = facts.startedWaves - 1;
    if (unassignedOf(facts, wave, 1).length > 0) {
      return slots > 0
        ? { type: 'DevicesAssigned', schemaVersion: 1, data: { ...ref, wave, deviceIds: unassignedOf(facts, wave, slots), assignedAt: at } }
        : null;
    }
  }
  const wave = facts.startedWaves;
  if (wave >= facts.strategy.waves.length || waitedFor > 0) return null;
  // A wave that adds no device (tiny groups) has nothing to approve: it passes straight through.
  if (facts.strategy.waves[wave]?.gate === 'manual' && !facts.approvedWaves.includes(wave) && unassignedOf(facts, wave, 1).length > 0) {
    return { type: 'WaveAwaitingApproval', schemaVersion: 1, data: { ...ref, wave } };
  }
  return { type: 'WaveStarted', schemaVersion: 2, data: { ...ref, wave, startedAt: at } };
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
  const { live, liveUnfinished, liveUnhealthy } = facts.devices.tally;
  if (liveUnfinished === 0) {
    // spec: succeeded only if every live device is healthy (and there was one to update)
    const outcome = live > 0 && liveUnhealthy === 0 ? 'succeeded' : 'failed';
    return { type: 'RolloutFinished', schemaVersion: 1, data: { ...ref, outcome, finishedAt: at } };
  }
  if (state.status === 'halted') return null;
  const reason = haltRuleReason(facts);
  if (reason) return { type: 'RolloutHalted', schemaVersion: 1, data: { ...ref, reason, automatic: true, haltedAt: at } };
  if (state.status === 'awaiting-approval') return null;
  return nextAssignment(facts, ref, at);
}

/** What a rollout command decided and the state after it (folded once, while deciding). */
export type RolloutDecision = Decision<RolloutEvent, Rollout>;

/** Events that nothing follows from, with the state after them (none: the state as it is). */
export const folded = (state: Rollout, events: RolloutEvent[] = []): RolloutDecision => ({ events, state: events.reduce(evolve, state) });

/** `first` and everything that follows from it in the same decision, with the state after them all (folded once). */
export function andWhatFollows(state: LiveRollout, first: RolloutEvent[], at: string): Decision<RolloutEvent, LiveRollout> {
  const events = [...first];
  let current = first.reduce(evolve, state as Rollout) as LiveRollout;
  for (let step = nextStep(current, at); step; step = nextStep(current, at)) {
    events.push(step);
    current = evolve(current, step) as LiveRollout;
  }
  return { events, state: current };
}
