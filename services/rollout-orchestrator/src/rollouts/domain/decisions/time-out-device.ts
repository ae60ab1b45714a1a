import { deviceTimeoutSecondsOf, isInFlight } from '@keelson/events';
import { deadlineOf } from '../device-clock.js';
import type { LiveRollout } from '../rollout.evolve.js';
import { andWhatFollows, folded, type RolloutDecision } from '../rollout.next-step.js';
import { installAssignmentId } from '../wave-plan.js';
import { isEnded, type RolloutRef } from './decision.js';

/** The timeout sweep found the device's deadline passed (the decision checks it again). */
export type TimeOutDevice = RolloutRef & { type: 'TimeOutDevice'; deviceId: string };

/**
 * The device's per-device timeout passed while it was reachable: it is `failed` with reason
 * `timeout`, and the decision goes on as for any failure (halt rule, next wave, finish). Sent by
 * the timeout sweep; `[]` when not due (the sweep may run early, or the device went silent and its
 * clock stopped) or when the device already ended.
 */
export function timeOutDevice(command: TimeOutDevice, state: LiveRollout): RolloutDecision {
  const { fleet, rolloutId, deviceId, at } = command;
  const record = state.facts.devices.record(deviceId);
  if (isEnded(state) || !isInFlight(record)) return folded(state);
  const deadline = deadlineOf(record.clock!, deviceTimeoutSecondsOf(state.facts.strategy));
  if (deadline === null || Date.parse(at) < Date.parse(deadline)) return folded(state);
  const assignmentId = installAssignmentId(rolloutId, deviceId);
  return andWhatFollows(
    state,
    [{ type: 'DeviceTimedOut', schemaVersion: 1, data: { fleet, rolloutId, deviceId, assignmentId, deadline, timedOutAt: at } }],
    at,
  );
}
