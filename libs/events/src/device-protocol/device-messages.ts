import { z } from 'zod';
import { DeviceState, StepDeviceState, StepTimes } from '../device/device-state.js';
import { defineMessage } from '../kit/define-message.js';
import { DeviceHardware } from '../kit/hardware.js';
import { MessageRegistry, readersOf } from '../kit/registry.js';
import { ArtifactName, IsoTime, Reason, SemverLike, Sha256Hex, SubjectToken, Traceparent } from '../kit/tokens.js';
import { Assignment, maxAssignments } from '../rollout/assignment.js';
import { fastDesiredState, fastDeviceProgress, fastDeviceReport } from './device-messages.fast.js';
import { DeviceMetrics } from './device-metrics.js';
import { fastDeviceMetrics } from './device-metrics.fast.js';

// Everything below except DesiredState comes from devices, so from outside our trust: every string
// and every array is bounded. The broker only lets a device publish under its own topics, but the
// gateway must still check that `deviceId` equals the id in the topic and that the type fits the topic.

/** One artifact a device runs now, as its agent verified it. */
export const InstalledArtifact = z.strictObject({ name: ArtifactName, version: SemverLike, sha256: Sha256Hex });
export type InstalledArtifact = z.infer<typeof InstalledArtifact>;

/** `keelson/dev/<device>/hello`, sent on every connect: what the device runs and which desired state it last applied. */
export const DeviceHello = defineMessage('DeviceHello', 1, {
  deviceId: SubjectToken,
  agentVersion: SemverLike,
  installed: z.array(InstalledArtifact).max(100),
  // 0: the device has never received a desired state.
  desiredGeneration: z.number().int().min(0),
  hardware: DeviceHardware.optional(),
});
export type DeviceHello = z.infer<typeof DeviceHello>;

/** `keelson/dev/<device>/heartbeat`: the device is alive. Kept out of the event streams (high rate, low value). */
export const DeviceHeartbeat = defineMessage('DeviceHeartbeat', 1, {
  deviceId: SubjectToken,
  uptimeSeconds: z.number().int().min(0),
  sentAt: IsoTime,
});
export type DeviceHeartbeat = z.infer<typeof DeviceHeartbeat>;

const report = {
  deviceId: SubjectToken,
  assignmentId: SubjectToken,
  rolloutId: SubjectToken,
  state: DeviceState,
  reason: Reason.optional(),
  sentAt: IsoTime,
};
const DeviceReportV1 = defineMessage('DeviceReport', 1, report);

/**
 * `keelson/dev/<device>/report` (QoS 1): how one assignment ended, with `steps`, when the device
 * entered each step, and `installed`, what it runs once the outcome is reached (so the platform's
 * view follows without a hello). Duplicates and late reports are harmless. An agent may still
 * report a step here (every v1 agent did): it is recorded, at the cost of a stored event;
 * `progress` is cheaper.
 */
export const DeviceReport = defineMessage('DeviceReport', 2, {
  ...report,
  steps: StepTimes.optional(),
  installed: z.array(InstalledArtifact).max(100).optional(),
  /** The trace of the desired state that brought the assignment, echoed so the platform continues it. */
  traceparent: Traceparent.optional(),
});
export type DeviceReport = z.infer<typeof DeviceReport>;

/**
 * `keelson/dev/<device>/progress` (QoS 0): the device entered a step of an assignment. Shown live to
 * whoever watches the rollout and never stored; a lost one costs nothing, the outcome carries the
 * step times.
 */
export const DeviceProgress = defineMessage('DeviceProgress', 1, {
  deviceId: SubjectToken,
  assignmentId: SubjectToken,
  rolloutId: SubjectToken,
  state: StepDeviceState,
  sentAt: IsoTime,
  traceparent: Traceparent.optional(),
});
export type DeviceProgress = z.infer<typeof DeviceProgress>;

/**
 * `keelson/cmd/<device>/desired` (QoS 1): everything the device should run, sent on every change and
 * in answer to a hello unless the device says it applied the current generation and the gateway has
 * a terminal report for each of its assignments. Generation 0 with no assignments is the state of a
 * device never assigned.
 */
export const DesiredState = defineMessage('DesiredState', 1, {
  deviceId: SubjectToken,
  generation: z.number().int().min(0),
  assignments: z.array(Assignment).max(maxAssignments),
  /**
   * The trace of the change that produced this state, when the gateway traces: the agent keeps it
   * with each assignment this state brings and puts it on that assignment's reports.
   */
  traceparent: Traceparent.optional(),
});
export type DesiredState = z.infer<typeof DesiredState>;

/** Any message of the device protocol over MQTT, in either direction, latest versions only. */
export type DeviceMessage = DeviceHello | DeviceHeartbeat | DeviceReport | DeviceProgress | DeviceMetrics | DesiredState;

/** Reads every version of every device-protocol message; old agents stay in the field for years. */
export const deviceMessages = new MessageRegistry<DeviceMessage>([
  readersOf(DeviceHello),
  readersOf(DeviceHeartbeat),
  readersOf(DeviceReport, { 1: (raw) => ({ ...DeviceReportV1.parse(raw), schemaVersion: 2 }) }, fastDeviceReport),
  readersOf(DeviceProgress, {}, fastDeviceProgress),
  readersOf(DeviceMetrics, {}, fastDeviceMetrics),
  readersOf(DesiredState, {}, fastDesiredState),
]);

/** Parses a device-protocol message at the boundary; throws `InvalidInput` (`message.*`). */
export function parseDeviceMessage(raw: unknown): DeviceMessage {
  return deviceMessages.parse(raw);
}
