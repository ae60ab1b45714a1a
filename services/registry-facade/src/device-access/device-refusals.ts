import { HttpFailure } from '../http/http-failure.js';

/** Why the facade refused a device: the stable codes of the 401/403 answers, also the metric's `reason`. */
export type DeviceRefusal =
  | 'device.tls-required'
  | 'device.certificate-required'
  | 'device.certificate-untrusted'
  | 'device.certificate-expired'
  | 'device.certificate-superseded'
  | 'device.decommissioned'
  | 'device.wrong-fleet';

const messages: Record<DeviceRefusal, string> = {
  'device.tls-required': 'device routes are served only over HTTPS with a device certificate: this facade runs without TLS',
  'device.certificate-required': 'present the device certificate from enrollment (mutual TLS)',
  'device.certificate-untrusted': "the certificate is not a device certificate issued by the fleet's device CA",
  'device.certificate-expired': 'the device certificate is outside its validity period: renew it, or enroll the device again',
  'device.certificate-superseded': 'the device certificate was replaced by a newer one (renewal or re-enrollment): present the current one',
  'device.decommissioned': 'the device is decommissioned',
  'device.wrong-fleet': 'a device may only read its own fleet',
};

/** What the facade could tell of the certificate behind a refusal: never more than the certificate shows anyone. */
export interface RefusedCertificate {
  fingerprint: string;
  /** The fleet and device its `urn:keelson:device:` SAN names; absent when it is no device certificate at all. */
  claim?: { fleet: string; deviceId: string };
  /** The claimed fleet's device CA issued it: fleet and device are proven, not only claimed. */
  issuedByFleetCa: boolean;
}

/** A device refusal: 403 for a device asking for another fleet, 401 for everything else, with the certificate if one was presented. */
export class DeviceRefused extends HttpFailure {
  constructor(
    readonly code: DeviceRefusal,
    readonly certificate?: RefusedCertificate,
  ) {
    const forbidden = code === 'device.wrong-fleet';
    super(forbidden ? 403 : 401, { kind: forbidden ? 'Forbidden' : 'Unauthorized', code, message: messages[code] });
  }
}

/** The refusal as the facade's error body, naming the certificate it refused (for the device-access log). */
export function deviceRefused(code: DeviceRefusal, certificate?: RefusedCertificate): DeviceRefused {
  return new DeviceRefused(code, certificate);
}
