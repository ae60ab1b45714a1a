import { deviceTimeoutSecondsOf, getsRevert, revertAssignmentId } from '@keelson/events';
import { deadlineOf } from '../device-clock.js';
import { isReverting, revertClockOf } from '../rollout-phase.js';
import type { LiveRollout } from '../rollout.evolve.js';
import { folded, type RolloutDecision } from '../rollout.next-step.js';
import type { RolloutRef } from './decision.js';

/** The timeout sweep found the device's revert deadline passed (the decision checks it again). */
export type TimeOutRevert = RolloutRef & { type: 'TimeOutRevert'; deviceId: string };

/** After an abort with `revert`: the device got a revert (assigned and live) and its revert has not timed out. */
export function isRevertTracked(state: LiveRollout, deviceId: string): boolean {
  const r = state.facts.devices.record(deviceId);
  return isReverting(state) && getsRevert(r) && r.revertTimedOutOrder === undefined;
}

/**
 * The device's revert stayed unfinished for the per-device timeout while it was reachable, counted
 * from the abort: the revert failed. Sent by the timeout sweep for reverts with no outcome reported;
 * `[]` when not due, or when the rollout is not reverting the device (any more).
 */
export function timeOutRevert(command: TimeOutRevert, state: LiveRollout): RolloutDecision {
  const { fleet, rolloutId, deviceId, at } = command;
  if (!isReverting(state) || !isRevertTracked(state, deviceId)) return folded(state);
  const deadline = deadlineOf(
    revertClockOf(state.facts.devices.record(deviceId), state.abortedAt),
    deviceTimeoutSecondsOf(state.facts.strategy),
  );
  if (deadline === null || Date.parse(at) < Date.parse(deadline)) return folded(state);
  const assignmentId = revertAssignmentId(rolloutId, deviceId);
  return folded(state, [
    { type: 'DeviceRevertTimedOut', schemaVersion: 1, data: { fleet, rolloutId, deviceId, assignmentId, deadline, timedOutAt: at } },
  ]);
}
