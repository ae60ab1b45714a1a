// The rollout fold as it was before the device ledger (main at fbafaaf, O(devices) per outcome), kept
// unchanged as the reference that rollout-fold.equivalence.spec.ts compares the current decider with.
import { deviceTimeoutSecondsOf, revertAssignmentId, type RolloutEvent } from '@keelson/events';
import { deadlineOf, startedClock } from '../../rollouts/domain/device-clock.js';
import type { RolloutCommand } from './rollout.decide.js';
import { isLive, isReachable, type LiveRollout } from './rollout.evolve.js';
import { andWhatFollows } from './rollout.next-step.js';
import { installAssignmentId } from '../../rollouts/domain/wave-plan.js';

type Command<T extends RolloutCommand['type']> = Extract<RolloutCommand, { type: T }>;

const isEnded = (state: LiveRollout) => state.status === 'aborted' || state.status === 'finished';

// Added with the revert timeout: after an abort with `revert` each assigned live device reverts on
// a clock from the abort that, like the install's, runs only while the device is reachable.
const isReverting = (state: LiveRollout, deviceId: string): boolean =>
  state.status === 'aborted' &&
  state.mode === 'revert' &&
  Object.hasOwn(state.facts.clocks, deviceId) &&
  isLive(state.facts, deviceId) &&
  !state.facts.revertTimedOut.includes(deviceId);

export function timeOutRevert(command: Command<'TimeOutRevert'>, state: LiveRollout): RolloutEvent[] {
  const { fleet, rolloutId, deviceId, at } = command;
  if (state.status !== 'aborted' || !isReverting(state, deviceId)) return [];
  const clock = state.facts.revertClocks[deviceId] ?? startedClock(state.abortedAt, isReachable(state.facts, deviceId));
  const deadline = deadlineOf(clock, deviceTimeoutSecondsOf(state.facts.strategy));
  if (deadline === null || Date.parse(at) < Date.parse(deadline)) return [];
  const assignmentId = revertAssignmentId(rolloutId, deviceId);
  return [{ type: 'DeviceRevertTimedOut', schemaVersion: 1, data: { fleet, rolloutId, deviceId, assignmentId, deadline, timedOutAt: at } }];
}

/**
 * The device's per-device timeout passed while it was reachable: it is `failed` with reason
 * `timeout`, and the decision goes on as for any failure (halt rule, next wave, finish). Sent by
 * the timeout sweep; `[]` when not due (the sweep may run early, or the device went silent and its
 * clock stopped) or when the device already ended.
 */
export function timeOutDevice(command: Command<'TimeOutDevice'>, state: LiveRollout): RolloutEvent[] {
  const { fleet, rolloutId, deviceId, at } = command;
  const { facts } = state;
  const clock = facts.clocks[deviceId];
  if (isEnded(state) || !clock || facts.outcomes[deviceId] || !isLive(facts, deviceId)) return [];
  const deadline = deadlineOf(clock, deviceTimeoutSecondsOf(facts.strategy));
  if (deadline === null || Date.parse(at) < Date.parse(deadline)) return [];
  const assignmentId = installAssignmentId(rolloutId, deviceId);
  return andWhatFollows(
    state,
    [{ type: 'DeviceTimedOut', schemaVersion: 1, data: { fleet, rolloutId, deviceId, assignmentId, deadline, timedOutAt: at } }],
    at,
  );
}

/** A timed-out device reported after all: recorded once as evidence; its outcome stays `failed`. */
export function recordLateReport(command: Command<'RecordDeviceOutcome'>, state: LiveRollout): RolloutEvent[] {
  const { fleet, rolloutId, deviceId, assignmentId, state: reported, reason, at } = command;
  if (state.facts.lateReports.includes(deviceId)) return [];
  const data = { fleet, rolloutId, deviceId, assignmentId, state: reported, ...(reason === undefined ? {} : { reason }), recordedAt: at };
  return [{ type: 'LateDeviceReportRecorded', schemaVersion: 1, data }];
}

/**
 * What the gateway says about a target's reachability, as of its device event `asOfSeq`. Older
 * news than the rollout holds is ignored, and so is a device that ended. Going silent may let the
 * next wave start (an unreachable device blocks nothing); coming back restarts its clock.
 */
export function noteReachability(command: Command<'NoteDeviceReachability'>, state: LiveRollout): RolloutEvent[] {
  const { fleet, rolloutId, deviceId, reachable, asOfSeq, at } = command;
  const { facts } = state;
  const reverting = isReverting(state, deviceId);
  if (!reverting && (isEnded(state) || !facts.deviceIds.includes(deviceId) || facts.outcomes[deviceId] || !isLive(facts, deviceId)))
    return [];
  const known = facts.reachability[deviceId];
  if (known && (known.asOfSeq >= asOfSeq || known.reachable === reachable)) return [];
  if (reverting)
    return [{ type: 'DeviceReachabilityNoted', schemaVersion: 1, data: { fleet, rolloutId, deviceId, reachable, asOfSeq, notedAt: at } }];
  // A first word that an assigned device is reachable changes nothing but is kept, with its
  // sequence, so an older "unreachable" (the sweep's, from a read model) cannot override it. Before
  // its assignment it is not kept: devices coming online would otherwise flood a large rollout.
  if (!known && reachable && !Object.hasOwn(facts.clocks, deviceId)) return [];
  return andWhatFollows(
    state,
    [{ type: 'DeviceReachabilityNoted', schemaVersion: 1, data: { fleet, rolloutId, deviceId, reachable, asOfSeq, notedAt: at } }],
    at,
  );
}
