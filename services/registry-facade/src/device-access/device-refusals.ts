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
  'device.certificate-untrusted': 'the certificate is not a device certificate issued by the fleet\'s device CA',
  'device.certificate-expired': 'the device certificate is outside its validity period: renew it, or enroll the device again',
  'device.certificate-superseded': 'the device certificate was replaced by a newer one (renewal or re-enrollment): present the current one',
  'device.decommissioned': 'the device is decommissioned',
  'device.wrong-fleet': 'a device may only read its own fleet',
};

/** The refusal as the facade's error body: 403 for a device asking for another fleet, 401 for everything else. */
export function deviceRefused(code: DeviceRefusal): HttpFailure {
  const forbidden = code === 'device.wrong-fleet';
  return new HttpFailure(forbidden ? 403 : 401, { kind: forbidden ? 'Forbidden' : 'Unauthorized', code, message: messages[code] });
}

/** The refusal code an error carries, if it is one of the device refusals. */
export function refusalOf(err: unknown): DeviceRefusal | undefined {
  const code = err instanceof HttpFailure ? err.body.code : undefined;
  return code && code in messages ? (code as DeviceRefusal) : undefined;
}
