import type { RolloutEvent, TerminalDeviceState } from '@keelson/events';
import type { RolloutCommand } from '../rollouts/domain/rollout.decider.js';
import { at, ref, rolloutId } from './rollout-history.js';

/** Builders for the in-flight events and commands (throttle, timeout, reachability), beside rollout-history's. */
export const plus = (seconds: number, from = at): string => new Date(Date.parse(from) + seconds * 1000).toISOString();

export const assigned = (wave: number, deviceIds: string[], assignedAt = at): RolloutEvent => ({
  type: 'DevicesAssigned',
  schemaVersion: 1,
  data: { ...ref, wave, deviceIds, assignedAt },
});
export const timedOut = (deviceId: string, deadline: string, timedOutAt = deadline): RolloutEvent => ({
  type: 'DeviceTimedOut',
  schemaVersion: 1,
  data: { ...ref, deviceId, assignmentId: `${rolloutId}-${deviceId}`, deadline, timedOutAt },
});
export const lateReport = (deviceId: string, state: TerminalDeviceState, recordedAt = at): RolloutEvent => ({
  type: 'LateDeviceReportRecorded',
  schemaVersion: 1,
  data: { ...ref, deviceId, assignmentId: `${rolloutId}-${deviceId}`, state, recordedAt },
});
export const noted = (deviceId: string, reachable: boolean, asOfSeq: number, notedAt = at): RolloutEvent => ({
  type: 'DeviceReachabilityNoted',
  schemaVersion: 1,
  data: { ...ref, deviceId, reachable, asOfSeq, notedAt },
});

export const timeOut = (deviceId: string, when: string): RolloutCommand => ({ type: 'TimeOutDevice', ...ref, at: when, deviceId });
export const note = (deviceId: string, reachable: boolean, asOfSeq: number, when = at): RolloutCommand => ({
  type: 'NoteDeviceReachability',
  ...ref,
  at: when,
  deviceId,
  reachable,
  asOfSeq,
});
/** A device's terminal report at a given time (rollout-history's `report` is stamped at `at`). */
export const reportAt = (deviceId: string, state: TerminalDeviceState, when: string): RolloutCommand => ({
  type: 'RecordDeviceOutcome',
  ...ref,
  at: when,
  deviceId,
  assignmentId: `${rolloutId}-${deviceId}`,
  state,
});

/** An automatic halt or a finish decided at `when` (rollout-history's builders stamp `at`). */
export const haltedAt = (reason: string, when: string): RolloutEvent => ({
  type: 'RolloutHalted',
  schemaVersion: 1,
  data: { ...ref, reason, automatic: true, haltedAt: when },
});
export const finishedAt = (result: 'succeeded' | 'failed', when: string): RolloutEvent => ({
  type: 'RolloutFinished',
  schemaVersion: 1,
  data: { ...ref, outcome: result, finishedAt: when },
});
