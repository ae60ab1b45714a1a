import type { Decider } from '@keelson/domain-kit';
import type { RolloutEvent } from '@keelson/events';
import { decide, decideAndEvolve, type RolloutCommand } from './rollout.decide.js';
import { evolve, initialState, type Rollout } from './rollout.evolve.js';

/**
 * The rollout aggregate (`ev.rollout.<fleet>.<rolloutId>`): waves over a device list fixed at
 * creation, gates, the halt rule, operator halt/resume/abort, and the finish. Split as emmett does:
 * state and evolve in `rollout.evolve.ts`, commands and decide in `rollout.decide.ts`. A decision
 * folds its events to find what follows them (the next wave, the finish); `decideAndEvolve` hands
 * that fold to the store, so a command's events (a creation's: every device) are folded once.
 */
export const rolloutDecider: Decider<RolloutCommand, RolloutEvent, Rollout> = { initialState, decide, evolve, decideAndEvolve };

export type { RolloutCommand } from './rollout.decide.js';
export { type Rollout, type LiveRollout, type RolloutFacts, assignedDevices, failureCount, isAssigned, isLive, isReachable, outcomeOf } from './rollout.evolve.js';
