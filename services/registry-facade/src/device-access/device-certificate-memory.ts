import { numberSetting, type ServiceConfig } from '@keelson/service-kit';

/**
 * `KEELSON_DEVICE_CERT_CACHE_SECONDS` (default 30): how long the gateway's word on a device's current
 * certificate is remembered without asking again; also how long a revocation can take while the
 * facade's feed of device events is down. 0 asks the gateway on every device request.
 */
export function deviceCertificateMemoryMsOf(config: ServiceConfig): number {
  // An empty value is refused: it must not quietly turn the memory off.
  return numberSetting(config, 'KEELSON_DEVICE_CERT_CACHE_SECONDS', { default: 30, min: 0, max: 86_400 }) * 1000;
}
