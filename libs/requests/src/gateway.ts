import { z } from 'zod';
import {
  DeviceHardware,
  DeviceState,
  DisplayName,
  InstalledArtifact,
  IsoTime,
  Labels,
  Reason,
  Sha256Hex,
  SubjectToken,
} from '@keelson/events';
import { DeviceListFilters } from './gateway-device-filters.js';
import { defineRequest, Page } from './kit.js';

/** Mints a one-time enrollment token; the secret is returned once and stored only as a digest. */
export const issueEnrollmentToken = defineRequest(
  'gateway',
  'issue-enrollment-token',
  z.strictObject({
    fleet: SubjectToken,
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .default(3600),
    labels: Labels.default({}),
    groupId: SubjectToken.optional(),
  }),
  z.strictObject({ tokenId: SubjectToken, token: z.string().min(20).max(300), expiresAt: IsoTime }),
);

/** A device as the gateway's read model knows it. */
export const DeviceView = z.strictObject({
  fleet: SubjectToken,
  deviceId: SubjectToken,
  name: DisplayName,
  status: z.enum(['active', 'decommissioned']),
  labels: Labels,
  hardware: DeviceHardware,
  reachable: z.boolean(),
  lastSeenAt: IsoTime.optional(),
  enrolledAt: IsoTime,
  /** When the device's current certificate expires (the agent renews it before); absent for a device enrolled before it was recorded. */
  certificateExpiresAt: IsoTime.optional(),
  installed: z.array(InstalledArtifact),
  desiredGeneration: z.number().int().min(0),
  /** The latest report per assignment still in the desired state. */
  assignments: z.array(
    z.strictObject({
      assignmentId: SubjectToken,
      rolloutId: SubjectToken,
      state: DeviceState.optional(),
      reason: Reason.optional(),
      reportedAt: IsoTime.optional(),
    }),
  ),
});
export type DeviceView = z.infer<typeof DeviceView>;

export const listDevices = defineRequest(
  'gateway',
  'list-devices',
  z.strictObject({ fleet: SubjectToken, ...Page, ...DeviceListFilters }),
  z.strictObject({ items: z.array(DeviceView), nextCursor: z.string().optional() }),
);

/** One device by id or by name; NotFound (`device.not-found`). */
export const getDevice = defineRequest(
  'gateway',
  'get-device',
  z.union([z.strictObject({ fleet: SubjectToken, deviceId: SubjectToken }), z.strictObject({ fleet: SubjectToken, name: DisplayName })]),
  DeviceView,
);

export { assignDevice, assignDevices, maxAssignBatch } from './gateway-assign.js';
export { countInstalledVersions, DeviceListFilters, VersionCount } from './gateway-device-filters.js';

/**
 * The fleet's device CA certificates (public only, PEM): what a relying party such as the registry
 * facade checks a device's TLS client certificate against. Several may be listed while a CA is
 * rotated. NotFound (`device-ca.not-found`) while the fleet has no device CA (nothing enrolled yet);
 * asking never creates one.
 */
export const getDeviceCa = defineRequest(
  'gateway',
  'get-device-ca',
  z.strictObject({ fleet: SubjectToken }),
  z.strictObject({ fleet: SubjectToken, certificates: z.array(z.string().min(1).max(8_192)).min(1).max(4) }),
);

/**
 * Which certificate is a device's current one: the latest from enrollment, renewal or
 * re-enrollment, by SHA-256 of its DER (`certificateFingerprint`, as the device events carry it).
 * Any older certificate of the device, though signed by the fleet's CA and unexpired, is superseded.
 * Read from the device's own stream, so a certificate is current as soon as the gateway handed it
 * out. NotFound (`device.not-found`).
 */
export const getDeviceCertificate = defineRequest(
  'gateway',
  'get-device-certificate',
  z.strictObject({ fleet: SubjectToken, deviceId: SubjectToken }),
  z.strictObject({
    fleet: SubjectToken,
    deviceId: SubjectToken,
    status: z.enum(['active', 'decommissioned']),
    certificateFingerprint: Sha256Hex,
  }),
);

/**
 * Retires a device: its broker and facade credentials are revoked at once, its live MQTT connection
 * is dropped, and every rollout under way stops counting it. Decommissioning twice changes nothing
 * (`changed: false`). NotFound (`device.not-found`).
 */
export const decommissionDevice = defineRequest(
  'gateway',
  'decommission-device',
  z.strictObject({ fleet: SubjectToken, deviceId: SubjectToken, reason: Reason.optional() }),
  z.strictObject({ fleet: SubjectToken, deviceId: SubjectToken, status: z.literal('decommissioned'), changed: z.boolean() }),
);

/**
 * Mints a one-time token to enroll an existing device again (wiped or replaced): enrolling with it
 * gives the SAME device id a new key, certificate and broker credentials, and the old ones stop
 * working. NotFound (`device.not-found`), RuleViolation (`device.decommissioned`).
 */
export const issueReenrollmentToken = defineRequest(
  'gateway',
  'issue-reenrollment-token',
  z.strictObject({
    fleet: SubjectToken,
    deviceId: SubjectToken,
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .default(3600),
  }),
  z.strictObject({ tokenId: SubjectToken, token: z.string().min(20).max(300), expiresAt: IsoTime, deviceId: SubjectToken }),
);

export * from './gateway-groups.js';
export * from './gateway-targeting.js';
