import { z } from 'zod';
import { TerminalDeviceState } from '../device/device-state.js';
import { defineMessage } from '../kit/define-message.js';
import { MessageRegistry, readersOf } from '../kit/registry.js';
import { DeviceIds, IsoTime, Reason, SubjectToken } from '../kit/tokens.js';
import { ArtifactRef } from './assignment.js';
import { Probe } from './probe.js';
import { fastDeviceOutcomeRecorded } from './rollout-events.fast.js';
import { rolloutTargeting } from './rollout-targeting.js';
import { Strategy } from './strategy.js';
import { maxRolloutDevices, RolloutTargetsAdded } from './target-chunks.js';
import {
  DeviceReachabilityNoted,
  DeviceRevertTimedOut,
  DevicesAssigned,
  DeviceTimedOut,
  LateDeviceReportRecorded,
} from './in-flight-events.js';

const rollout = { fleet: SubjectToken, rolloutId: SubjectToken };
// Waves are numbered from 0; a strategy has at most 20 of them.
const wave = z.number().int().min(0).max(19);

/**
 * A rollout was created: its target (group, device names or selector) is resolved to devices now, so
 * later group or fleet changes do not move it. `groupId` was required until other targets came.
 * Version 1 carried every device id inline, which capped a rollout near 45,000 devices (the broker's
 * max_payload); it is still read, as version 2 with `deviceIds` set.
 */
const RolloutCreatedV1 = defineMessage('RolloutCreated', 1, {
  ...rollout,
  artifact: ArtifactRef,
  ...rolloutTargeting,
  deviceIds: DeviceIds,
  probe: Probe,
  strategy: Strategy,
  createdAt: IsoTime,
});

/**
 * A rollout was created with `deviceCount` devices. Their ids follow in the same atomic append as
 * `RolloutTargetsAdded` chunks, in wave order, so no event grows with the fleet. `deviceIds` is set
 * only on a version-1 event read from an older stream (its ids inline, no chunks follow); writers
 * never set it.
 */
export const RolloutCreated = defineMessage('RolloutCreated', 2, {
  ...rollout,
  artifact: ArtifactRef,
  ...rolloutTargeting,
  deviceCount: z.number().int().min(1).max(maxRolloutDevices),
  deviceIds: DeviceIds.optional(),
  probe: Probe,
  strategy: Strategy,
  createdAt: IsoTime,
});
export type RolloutCreated = z.infer<typeof RolloutCreated>;

const WaveStartedV1 = defineMessage('WaveStarted', 1, { ...rollout, wave, deviceIds: DeviceIds, startedAt: IsoTime.optional() });

/**
 * A wave started. The devices it assigns now (with `maxConcurrent`, the first slice of the wave)
 * follow in the same append as `DevicesAssigned` chunks. `deviceIds` is set only on a version-1
 * event (which carried them inline; `startedAt` came later there, so older ones have none).
 */
export const WaveStarted = defineMessage('WaveStarted', 2, {
  ...rollout,
  wave,
  deviceIds: DeviceIds.optional(),
  startedAt: IsoTime.optional(),
});
export type WaveStarted = z.infer<typeof WaveStarted>;

/** The previous wave is done and the next one has a manual gate: it waits for an operator. */
export const WaveAwaitingApproval = defineMessage('WaveAwaitingApproval', 1, { ...rollout, wave });
export type WaveAwaitingApproval = z.infer<typeof WaveAwaitingApproval>;

/** An operator opened a manual gate. */
export const WaveApproved = defineMessage('WaveApproved', 1, { ...rollout, wave });
export type WaveApproved = z.infer<typeof WaveApproved>;

/** A device ended its assignment in a terminal state; the rollout counts it towards its halt rule and its finish. */
export const DeviceOutcomeRecorded = defineMessage('DeviceOutcomeRecorded', 1, {
  ...rollout,
  deviceId: SubjectToken,
  assignmentId: SubjectToken,
  state: TerminalDeviceState,
  reason: Reason.optional(),
});
export type DeviceOutcomeRecorded = z.infer<typeof DeviceOutcomeRecorded>;

/**
 * The device is no longer a live target of the rollout (decommissioned, or refused by the gateway
 * for good): it is not assigned, not waited for and not counted (spec: Rollouts, device states).
 */
export const DeviceExcluded = defineMessage('DeviceExcluded', 1, { ...rollout, deviceId: SubjectToken, reason: Reason });
export type DeviceExcluded = z.infer<typeof DeviceExcluded>;

/** The rollout stopped widening: by an operator, or by itself (`automatic`) when failures crossed the threshold. */
export const RolloutHalted = defineMessage('RolloutHalted', 1, {
  ...rollout,
  reason: Reason,
  automatic: z.boolean(),
  haltedAt: IsoTime,
});
export type RolloutHalted = z.infer<typeof RolloutHalted>;

/** An operator resumed a halted rollout. */
export const RolloutResumed = defineMessage('RolloutResumed', 1, { ...rollout, resumedAt: IsoTime });
export type RolloutResumed = z.infer<typeof RolloutResumed>;

/** The rollout was abandoned; `revert` sends updated devices back to what they ran before, `keep` leaves them. */
export const RolloutAborted = defineMessage('RolloutAborted', 1, {
  ...rollout,
  mode: z.enum(['keep', 'revert']),
  abortedAt: IsoTime,
});
export type RolloutAborted = z.infer<typeof RolloutAborted>;

/** Every live device reached a terminal state; it succeeded only if all of them are healthy (spec: Rollouts). */
export const RolloutFinished = defineMessage('RolloutFinished', 1, {
  ...rollout,
  outcome: z.enum(['succeeded', 'failed']),
  finishedAt: IsoTime,
});
export type RolloutFinished = z.infer<typeof RolloutFinished>;

/** Any event of the rollout aggregate (`ev.rollout.<fleet>.<rolloutId>`), latest versions only. */
export type RolloutEvent =
  | RolloutCreated
  | RolloutTargetsAdded
  | WaveStarted
  | WaveAwaitingApproval
  | WaveApproved
  | DeviceOutcomeRecorded
  | DeviceExcluded
  | RolloutHalted
  | RolloutResumed
  | RolloutAborted
  | RolloutFinished
  | DevicesAssigned
  | DeviceTimedOut
  | LateDeviceReportRecorded
  | DeviceReachabilityNoted
  | DeviceRevertTimedOut;

function readCreatedV1(raw: unknown): RolloutCreated {
  const { data } = RolloutCreatedV1.parse(raw);
  return { type: 'RolloutCreated', schemaVersion: 2, data: { ...data, deviceCount: data.deviceIds.length } };
}

/** Reads every version of every rollout event. */
export const rolloutEvents = new MessageRegistry<RolloutEvent>([
  readersOf(RolloutCreated, { 1: readCreatedV1 }),
  readersOf(RolloutTargetsAdded),
  readersOf(WaveStarted, { 1: (raw) => ({ ...WaveStartedV1.parse(raw), schemaVersion: 2 }) }),
  readersOf(WaveAwaitingApproval),
  readersOf(WaveApproved),
  readersOf(DeviceOutcomeRecorded, {}, fastDeviceOutcomeRecorded),
  readersOf(DeviceExcluded),
  readersOf(RolloutHalted),
  readersOf(RolloutResumed),
  readersOf(RolloutAborted),
  readersOf(RolloutFinished),
  readersOf(DevicesAssigned),
  readersOf(DeviceTimedOut),
  readersOf(LateDeviceReportRecorded),
  readersOf(DeviceReachabilityNoted),
  readersOf(DeviceRevertTimedOut),
]);

/** Parses a rollout event at the boundary; throws `InvalidInput` (`message.*`). */
export function parseRolloutEvent(raw: unknown): RolloutEvent {
  return rolloutEvents.parse(raw);
}
