import { numberSetting, type ServiceConfig } from '@keelson/service-kit';

/**
 * `KEELSON_DEVICE_CERT_CACHE_SECONDS` (default 30): how long the gateway's word on a device's current
 * certificate is remembered without asking again while the facade does not follow the device
 * events (while it does, until an event revokes it: see CurrentCertificates). 0 asks the gateway on
 * every device request and learns nothing from the events.
 */
export function deviceCertificateMemoryMsOf(config: ServiceConfig): number {
  // An empty value is refused: it must not quietly turn the memory off.
  return numberSetting(config, 'KEELSON_DEVICE_CERT_CACHE_SECONDS', { default: 30, min: 0, max: 86_400 }) * 1000;
}
