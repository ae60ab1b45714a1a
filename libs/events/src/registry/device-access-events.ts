import { z } from 'zod';
import { defineMessage } from '../kit/define-message.js';
import { MessageRegistry, readersOf } from '../kit/registry.js';
import { IsoTime, Sha256Hex, SubjectToken } from '../kit/tokens.js';

/**
 * Why the registry-facade refused a device's read, as its 401/403 answers and the metric
 * `keelson_registry_device_refusals_total{reason}` name it. Only refusals of a presented certificate
 * are audited: a request without one (or to a facade without TLS) names nobody.
 */
export const DeviceAccessRefusal = z.enum([
  'device.certificate-untrusted',
  'device.certificate-expired',
  'device.certificate-superseded',
  'device.decommissioned',
  'device.wrong-fleet',
]);
export type DeviceAccessRefusal = z.infer<typeof DeviceAccessRefusal>;

/** The path a refused device asked for, without its query: printable ASCII, at most 256 characters. */
export const RequestPath = z
  .string()
  .regex(/^\/[\x21-\x7e]{0,255}$/, 'must be a request path: / then at most 255 printable ASCII characters');

/**
 * The facade refused one device read; kept on a fleet's device-access log
 * (`ev.registry.<fleet>.device-refusals`). `deviceId` is there only when the fleet's device CA issued
 * the certificate (the device is who it says); an untrusted certificate's own claims are
 * `claimedFleet`/`claimedDeviceId`, never indexed as a device. `requestedFleet` is the fleet in the
 * path when it is not `fleet` (a device reaching into another fleet). The certificate is named by its
 * SHA-256 fingerprint only: nothing secret is in a certificate, but nothing more is needed either.
 */
export const DeviceAccessRefused = defineMessage('DeviceAccessRefused', 1, {
  fleet: SubjectToken,
  reason: DeviceAccessRefusal,
  deviceId: SubjectToken.optional(),
  claimedFleet: SubjectToken.optional(),
  claimedDeviceId: SubjectToken.optional(),
  requestedFleet: SubjectToken.optional(),
  certificateFingerprint: Sha256Hex,
  path: RequestPath,
  at: IsoTime,
});
export type DeviceAccessRefused = z.infer<typeof DeviceAccessRefused>;

/**
 * Refusals beyond the facade's per-minute budget of one-by-one entries, counted between `firstAt`
 * and `lastAt` for one fleet and reason: what keeps a flood from flooding the log. `deviceIds` are
 * the first (at most 20) devices the fleet's CA vouched for among them.
 */
export const DeviceAccessRefusalsSuppressed = defineMessage('DeviceAccessRefusalsSuppressed', 1, {
  fleet: SubjectToken,
  reason: DeviceAccessRefusal,
  refusals: z.number().int().min(1),
  deviceIds: z.array(SubjectToken).max(20),
  firstAt: IsoTime,
  lastAt: IsoTime,
});
export type DeviceAccessRefusalsSuppressed = z.infer<typeof DeviceAccessRefusalsSuppressed>;

/** Any event of a fleet's device-access log (`ev.registry.<fleet>.device-refusals`), latest versions only. */
export type RegistryEvent = DeviceAccessRefused | DeviceAccessRefusalsSuppressed;

/** Reads every version of every registry device-access event. */
export const registryEvents = new MessageRegistry<RegistryEvent>([
  readersOf(DeviceAccessRefused),
  readersOf(DeviceAccessRefusalsSuppressed),
]);

/** Parses a registry device-access event at the boundary; throws `InvalidInput` (`message.*`). */
export function parseRegistryEvent(raw: unknown): RegistryEvent {
  return registryEvents.parse(raw);
}
