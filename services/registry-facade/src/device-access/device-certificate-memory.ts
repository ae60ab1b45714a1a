import type { ServiceConfig } from '@keelson/service-kit';

/**
 * `KEELSON_DEVICE_CERT_CACHE_SECONDS` (default 30): how long the gateway's word on a device's current
 * certificate is remembered without asking again; also how long a revocation can take while the
 * facade's feed of device events is down. 0 asks the gateway on every device request.
 */
export function deviceCertificateMemoryMsOf(config: ServiceConfig): number {
  const raw = config.env.KEELSON_DEVICE_CERT_CACHE_SECONDS ?? '30';
  // Digits only: Number('') is 0, and an empty value must not quietly turn the memory off.
  const value = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(value <= 86_400)) throw new Error('registry-facade: KEELSON_DEVICE_CERT_CACHE_SECONDS must be an integer from 0 to 86400');
  return value * 1000;
}
