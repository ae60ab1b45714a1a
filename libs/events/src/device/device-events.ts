import { z } from 'zod';
import { defineMessage } from '../kit/define-message.js';
import { DeviceHardware } from '../kit/hardware.js';
import { MessageRegistry, readersOf } from '../kit/registry.js';
import { DisplayName, IsoTime, Labels, Reason, Sha256Hex, SubjectToken } from '../kit/tokens.js';
import { Assignment, maxAssignments } from '../rollout/assignment.js';
import { fastDeviceReportedProgress } from './device-events.fast.js';
import { DeviceState, StepTimes } from './device-state.js';

const device = { fleet: SubjectToken, deviceId: SubjectToken };

/** A device turned an enrollment token and a CSR into a certificate from the fleet's device CA. */
export const DeviceEnrolled = defineMessage('DeviceEnrolled', 1, {
  ...device,
  name: DisplayName,
  // x509 serials are at most 20 octets (RFC 5280 4.1.2.2).
  certificateSerial: z.string().regex(/^[0-9a-f]{1,40}$/, 'must be the serial in lowercase hex'),
  certificateFingerprint: Sha256Hex,
  labels: Labels,
  hardware: DeviceHardware,
  enrolledWith: SubjectToken,
  /** When the certificate expires; absent in events written before it was recorded. */
  notAfter: IsoTime.optional(),
});
export type DeviceEnrolled = z.infer<typeof DeviceEnrolled>;

/** The device is retired: its credentials are revoked and it is no longer a live rollout target. */
export const DeviceDecommissioned = defineMessage('DeviceDecommissioned', 1, { ...device, reason: Reason.optional() });
export type DeviceDecommissioned = z.infer<typeof DeviceDecommissioned>;

/** The device came online or went silent; heartbeats themselves are not events, only these changes. */
export const DeviceReachabilityChanged = defineMessage('DeviceReachabilityChanged', 1, {
  ...device,
  reachable: z.boolean(),
  lastSeenAt: IsoTime,
});
export type DeviceReachabilityChanged = z.infer<typeof DeviceReachabilityChanged>;

const reported = {
  ...device,
  assignmentId: SubjectToken,
  rolloutId: SubjectToken,
  state: DeviceState,
  reason: Reason.optional(),
  reportedAt: IsoTime,
};
const DeviceReportedProgressV1 = defineMessage('DeviceReportedProgress', 1, reported);

/**
 * The gateway accepted a device's report about one assignment; `reportedAt` is the device's own clock.
 * Since v2 an agent reports only outcomes this way (its steps go out live, never stored) and an
 * outcome carries `steps`, when the device entered each step. v1 reports came for every step.
 */
export const DeviceReportedProgress = defineMessage('DeviceReportedProgress', 2, { ...reported, steps: StepTimes.optional() });
export type DeviceReportedProgress = z.infer<typeof DeviceReportedProgress>;

/**
 * What the device should run changed. `generation` rises with every change, so an agent can tell a
 * stale desired state from the current one.
 */
export const DesiredStateChanged = defineMessage('DesiredStateChanged', 1, {
  ...device,
  generation: z.number().int().min(1),
  assignments: z.array(Assignment).max(maxAssignments),
});
export type DesiredStateChanged = z.infer<typeof DesiredStateChanged>;

const certificate = {
  // x509 serials are at most 20 octets (RFC 5280 4.1.2.2).
  certificateSerial: z.string().regex(/^[0-9a-f]{1,40}$/, 'must be the serial in lowercase hex'),
  certificateFingerprint: Sha256Hex,
};

/**
 * The device renewed its certificate, proving possession of the key of the certificate it held
 * (`previousFingerprint`); the new one replaces it, and only the new one can renew next time.
 * `keyRotated` says whether the device certified a new key or kept its old one.
 */
export const DeviceCertificateRenewed = defineMessage('DeviceCertificateRenewed', 1, {
  ...device,
  ...certificate,
  notAfter: IsoTime,
  previousFingerprint: Sha256Hex,
  /** The new certificate is for a new key (the device rotated it); absent in events written before it was recorded. */
  keyRotated: z.boolean().optional(),
  /**
   * The new certificate (PEM, public) and when the device signed the request for it: a device whose
   * answer was lost retries with a newer proof by the previous key and gets this same certificate.
   */
  certificatePem: z.string().min(1).max(8_192).optional(),
  proofSignedAt: IsoTime.optional(),
});
export type DeviceCertificateRenewed = z.infer<typeof DeviceCertificateRenewed>;

/**
 * A wiped or replaced device enrolled again under its old id, with a token minted for it: a new key,
 * certificate and broker credentials; the old ones no longer work. Its history stays on the aggregate.
 */
export const DeviceReenrolled = defineMessage('DeviceReenrolled', 1, {
  ...device,
  ...certificate,
  name: DisplayName,
  hardware: DeviceHardware,
  enrolledWith: SubjectToken,
  /** When the new certificate expires; absent in events written before it was recorded. */
  notAfter: IsoTime.optional(),
});
export type DeviceReenrolled = z.infer<typeof DeviceReenrolled>;

/** Any event of the device aggregate (`ev.device.<fleet>.<deviceId>`), latest versions only. */
export type DeviceEvent =
  | DeviceEnrolled
  | DeviceDecommissioned
  | DeviceReachabilityChanged
  | DeviceReportedProgress
  | DesiredStateChanged
  | DeviceCertificateRenewed
  | DeviceReenrolled;

/** Reads every version of every device event. */
export const deviceEvents = new MessageRegistry<DeviceEvent>([
  readersOf(DeviceEnrolled),
  readersOf(DeviceDecommissioned),
  readersOf(DeviceReachabilityChanged),
  readersOf(
    DeviceReportedProgress,
    { 1: (raw) => ({ ...DeviceReportedProgressV1.parse(raw), schemaVersion: 2 }) },
    fastDeviceReportedProgress,
  ),
  readersOf(DesiredStateChanged),
  readersOf(DeviceCertificateRenewed),
  readersOf(DeviceReenrolled),
]);

/** Parses a device event at the boundary; throws `InvalidInput` (`message.*`). */
export function parseDeviceEvent(raw: unknown): DeviceEvent {
  return deviceEvents.parse(raw);
}
