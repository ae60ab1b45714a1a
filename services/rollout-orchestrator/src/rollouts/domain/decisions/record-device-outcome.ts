import { takesOutcome, type TerminalDeviceState } from '@keelson/events';
import type { LiveRollout } from '../rollout.evolve.js';
import { andWhatFollows, folded, type RolloutDecision } from '../rollout.next-step.js';
import { installAssignmentId } from '../wave-plan.js';
import type { RolloutRef } from './decision.js';

/** The device-report reactor passes on a device's terminal report about one of its assignments. */
export type RecordDeviceOutcome = RolloutRef & {
  type: 'RecordDeviceOutcome';
  deviceId: string;
  assignmentId: string;
  state: TerminalDeviceState;
  reason?: string;
};

/**
 * A device's outcome arrives: the rollout counts it, and the decision goes on as the count allows
 * (the halt rule, more devices, the next wave or its gate, the finish). Only this rollout's install
 * assignment of a device it assigned counts, and only its first outcome; a device that timed out
 * already stays `failed`, its report kept once as evidence.
 */
export function recordDeviceOutcome(command: RecordDeviceOutcome, state: LiveRollout): RolloutDecision {
  const { fleet, rolloutId, deviceId, assignmentId, state: outcome, reason, at } = command;
  if (assignmentId !== installAssignmentId(rolloutId, deviceId)) return folded(state);
  const { devices } = state.facts;
  if (devices.record(deviceId).timedOutOrder !== undefined) return recordLateReport(command, state);
  if (!devices.isMember(deviceId) || !takesOutcome(devices.record(deviceId))) return folded(state);
  const data = { fleet, rolloutId, deviceId, assignmentId, state: outcome, ...(reason === undefined ? {} : { reason }) };
  return andWhatFollows(state, [{ type: 'DeviceOutcomeRecorded', schemaVersion: 1, data }], at);
}

/** A timed-out device reported after all: recorded once as evidence; its outcome stays `failed`. */
function recordLateReport(command: RecordDeviceOutcome, state: LiveRollout): RolloutDecision {
  const { fleet, rolloutId, deviceId, assignmentId, state: reported, reason, at } = command;
  if (state.facts.devices.record(deviceId).lateReportOrder !== undefined) return folded(state);
  const data = { fleet, rolloutId, deviceId, assignmentId, state: reported, ...(reason === undefined ? {} : { reason }), recordedAt: at };
  return folded(state, [{ type: 'LateDeviceReportRecorded', schemaVersion: 1, data }]);
}
