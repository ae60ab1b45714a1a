import { deviceTimeoutSecondsOf, revertAssignmentId } from '@keelson/events';
import { deadlineOf } from './device-clock.js';
import { isReverting, revertClockOf } from './rollout-phase.js';
import type { RolloutCommand } from './rollout.decide.js';
import { isAssigned, isLive, outcomeOf, type LiveRollout } from './rollout.evolve.js';
import { andWhatFollows, folded, type RolloutDecision } from './rollout.next-step.js';
import { installAssignmentId } from './wave-plan.js';

type Command<T extends RolloutCommand['type']> = Extract<RolloutCommand, { type: T }>;

const isEnded = (state: LiveRollout) => state.status === 'aborted' || state.status === 'finished';

/** After an abort with `revert`: the device got a revert (assigned and live) and its revert has not timed out. */
export const isRevertTracked = (state: LiveRollout, deviceId: string): boolean =>
  isReverting(state) && isAssigned(state.facts, deviceId) && isLive(state.facts, deviceId) && state.facts.devices.record(deviceId).revertTimedOutOrder === undefined;

/**
 * The device's revert stayed unfinished for the per-device timeout while it was reachable, counted
 * from the abort: the revert failed. Sent by the timeout sweep for reverts with no outcome reported;
 * `[]` when not due, or when the rollout is not reverting the device (any more).
 */
export function timeOutRevert(command: Command<'TimeOutRevert'>, state: LiveRollout): RolloutDecision {
  const { fleet, rolloutId, deviceId, at } = command;
  if (!isReverting(state) || !isRevertTracked(state, deviceId)) return folded(state);
  const deadline = deadlineOf(revertClockOf(state.facts.devices.record(deviceId), state.abortedAt), deviceTimeoutSecondsOf(state.facts.strategy));
  if (deadline === null || Date.parse(at) < Date.parse(deadline)) return folded(state);
  const assignmentId = revertAssignmentId(rolloutId, deviceId);
  return folded(state, [{ type: 'DeviceRevertTimedOut', schemaVersion: 1, data: { fleet, rolloutId, deviceId, assignmentId, deadline, timedOutAt: at } }]);
}

/**
 * The device's per-device timeout passed while it was reachable: it is `failed` with reason
 * `timeout`, and the decision goes on as for any failure (halt rule, next wave, finish). Sent by
 * the timeout sweep; `[]` when not due (the sweep may run early, or the device went silent and its
 * clock stopped) or when the device already ended.
 */
export function timeOutDevice(command: Command<'TimeOutDevice'>, state: LiveRollout): RolloutDecision {
  const { fleet, rolloutId, deviceId, at } = command;
  const { facts } = state;
  const { clock } = facts.devices.record(deviceId);
  if (isEnded(state) || !clock || outcomeOf(facts, deviceId) || !isLive(facts, deviceId)) return folded(state);
  const deadline = deadlineOf(clock, deviceTimeoutSecondsOf(facts.strategy));
  if (deadline === null || Date.parse(at) < Date.parse(deadline)) return folded(state);
  const assignmentId = installAssignmentId(rolloutId, deviceId);
  return andWhatFollows(state, [{ type: 'DeviceTimedOut', schemaVersion: 1, data: { fleet, rolloutId, deviceId, assignmentId, deadline, timedOutAt: at } }], at);
}

/** A timed-out device reported after all: recorded once as evidence; its outcome stays `failed`. */
export function recordLateReport(command: Command<'RecordDeviceOutcome'>, state: LiveRollout): RolloutDecision {
  const { fleet, rolloutId, deviceId, assignmentId, state: reported, reason, at } = command;
  if (state.facts.devices.record(deviceId).lateReportOrder !== undefined) return folded(state);
  const data = { fleet, rolloutId, deviceId, assignmentId, state: reported, ...(reason === undefined ? {} : { reason }), recordedAt: at };
  return folded(state, [{ type: 'LateDeviceReportRecorded', schemaVersion: 1, data }]);
}

/**
 * What the gateway says about a target's reachability, as of its device event `asOfSeq`. Older
 * news than the rollout holds is ignored, and so is a device that ended. Going silent may let the
 * next wave start (an unreachable device blocks nothing); coming back restarts its clock.
 */
export function noteReachability(command: Command<'NoteDeviceReachability'>, state: LiveRollout): RolloutDecision {
  const { fleet, rolloutId, deviceId, reachable, asOfSeq, at } = command;
  const { facts } = state;
  // During a revert the word moves the revert's clock, whatever the device's update ended as.
  const reverting = isRevertTracked(state, deviceId);
  if (!reverting && (isEnded(state) || !facts.devices.isMember(deviceId) || outcomeOf(facts, deviceId) || !isLive(facts, deviceId))) return folded(state);
  const known = facts.devices.record(deviceId).reachability;
  if (known && (known.asOfSeq >= asOfSeq || known.reachable === reachable)) return folded(state);
  if (reverting) return folded(state, [{ type: 'DeviceReachabilityNoted', schemaVersion: 1, data: { fleet, rolloutId, deviceId, reachable, asOfSeq, notedAt: at } }]);
  // A first word that an assigned device is reachable changes nothing but is kept, with its
  // sequence, so an older "unreachable" (the sweep's, from a read model) cannot override it. Before
  // its assignment it is not kept: devices coming online would otherwise flood a large rollout.
  if (!known && reachable && !isAssigned(facts, deviceId)) return folded(state);
  return andWhatFollows(state, [{ type: 'DeviceReachabilityNoted', schemaVersion: 1, data: { fleet, rolloutId, deviceId, reachable, asOfSeq, notedAt: at } }], at);
}
