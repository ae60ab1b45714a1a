import { z } from 'zod';
import { gateway } from '@keelson/requests';
import { DisplayName, Labels, Reason, SubjectToken } from '@keelson/events';
import { ListQuery } from '../http/request.schemas.js';

/** A device by id, or by name when no device has that id. */
export const DeviceParams = z.object({ id: z.union([SubjectToken, DisplayName]) });
export const DeviceView = gateway.DeviceView;
export const DeviceList = gateway.listDevices.output;

const { reachable: _, ...listFilters } = gateway.DeviceListFilters;

/** `GET /v1/devices`: a page, narrowed and ordered by the gateway (see `DeviceListFilters`); `reachable=true|false`. */
export const DeviceListQuery = ListQuery.extend({
  ...listFilters,
  reachable: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

/** `GET /v1/installed-versions`: how many active devices run each artifact version, fleet-wide. */
export const InstalledVersions = gateway.countInstalledVersions.output;

/**
 * `POST /v1/enrollment-tokens`: every field optional (default lifetime one hour, no labels). With
 * `deviceId`, a re-enrollment token for that existing device (wiped or replaced): it keeps its id,
 * labels and history, so labels cannot be given.
 */
export const EnrollmentTokenRequest = z
  .strictObject({
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(7 * 24 * 3600)
      .optional(),
    labels: Labels.optional(),
    deviceId: SubjectToken.optional(),
    /** The group (id or name) the enrolled device joins. */
    group: DisplayName.optional(),
  })
  .refine((r) => !(r.deviceId && r.labels), {
    message: "a re-enrollment token keeps the device's labels: give deviceId or labels, not both",
    path: ['labels'],
  })
  .refine((r) => !(r.deviceId && r.group), {
    message: "a re-enrollment token keeps the device's groups: give deviceId or group, not both",
    path: ['group'],
  });

/** The one-time token, where devices enroll, and the line an operator pastes on the device. */
export const EnrollmentTokenResponse = gateway.issueEnrollmentToken.output.extend({
  /** Set for a re-enrollment token: the device it enrolls again. */
  deviceId: SubjectToken.optional(),
  gatewayUrl: z.url(),
  /** The platform CA's pin when devices reach the platform over TLS: `keelson-agent enroll --ca-fingerprint`. */
  caFingerprint: z.string().optional(),
  enrollCommand: z.string(),
});
export type EnrollmentTokenResponse = z.infer<typeof EnrollmentTokenResponse>;

/** `POST /v1/devices/{id}/decommission`: why, for the audit log. */
export const DecommissionRequest = z.strictObject({ reason: Reason.optional() });
export const DecommissionResponse = gateway.decommissionDevice.output;
