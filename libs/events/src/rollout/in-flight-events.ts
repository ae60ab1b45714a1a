import { z } from 'zod';
import { TerminalDeviceState } from '../device/device-state.js';
import { defineMessage } from '../kit/define-message.js';
import { DeviceIds, IsoTime, Reason, SubjectToken } from '../kit/tokens.js';

// The rollout events about devices in flight: throttled assignment, the per-device timeout, late
// reports, reachability and a revert's timeout. They live on the rollout aggregate (`ev.rollout.<fleet>.<rolloutId>`).
const rollout = { fleet: SubjectToken, rolloutId: SubjectToken };
const wave = z.number().int().min(0).max(19);

/**
 * More devices of a started wave are assigned the artifact now: the devices a `WaveStarted` assigns
 * (written right after it), or, with `maxConcurrent`, the next slice as devices of the previous ones
 * finish. Writers split a slice into chunks of at most `deviceIdsBytesPerEvent` bytes of ids, one
 * event each; events written before that may be larger.
 */
export const DevicesAssigned = defineMessage('DevicesAssigned', 1, { ...rollout, wave, deviceIds: DeviceIds, assignedAt: IsoTime });
export type DevicesAssigned = z.infer<typeof DevicesAssigned>;

/**
 * The device was assigned and stayed reachable for the rollout's whole per-device timeout without
 * reaching a terminal state: the rollout counts it `failed` with reason `timeout`.
 */
export const DeviceTimedOut = defineMessage('DeviceTimedOut', 1, {
  ...rollout,
  deviceId: SubjectToken,
  assignmentId: SubjectToken,
  deadline: IsoTime,
  timedOutAt: IsoTime,
});
export type DeviceTimedOut = z.infer<typeof DeviceTimedOut>;

/**
 * After an abort with `revert`, the device stayed reachable for the rollout's whole per-device
 * timeout (counted from the abort) without reporting an outcome of its revert assignment: the revert
 * counts as failed, and nothing waits for it any more.
 */
export const DeviceRevertTimedOut = defineMessage('DeviceRevertTimedOut', 1, {
  ...rollout,
  deviceId: SubjectToken,
  assignmentId: SubjectToken,
  deadline: IsoTime,
  timedOutAt: IsoTime,
});
export type DeviceRevertTimedOut = z.infer<typeof DeviceRevertTimedOut>;

/** A device reported a terminal state after it had timed out: kept as evidence, the outcome stays `failed`. */
export const LateDeviceReportRecorded = defineMessage('LateDeviceReportRecorded', 1, {
  ...rollout,
  deviceId: SubjectToken,
  assignmentId: SubjectToken,
  state: TerminalDeviceState,
  reason: Reason.optional(),
  recordedAt: IsoTime,
});
export type LateDeviceReportRecorded = z.infer<typeof LateDeviceReportRecorded>;

/**
 * The gateway's view of a target device's reachability, as of its device event `asOfSeq` (so an
 * older observation never overrides a newer one). An unreachable device blocks no wave or gate and
 * its timeout clock stands still; it keeps its assignment.
 */
export const DeviceReachabilityNoted = defineMessage('DeviceReachabilityNoted', 1, {
  ...rollout,
  deviceId: SubjectToken,
  reachable: z.boolean(),
  asOfSeq: z.number().int().min(0),
  notedAt: IsoTime,
});
export type DeviceReachabilityNoted = z.infer<typeof DeviceReachabilityNoted>;
