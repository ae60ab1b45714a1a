import type { ServiceConfig } from '@keelson/service-kit';
import { deviceCertificateMemoryMsOf } from './device-certificate-memory.js';

const configWith = (env: Record<string, string>) => ({ service: 'registry-facade', env }) as unknown as ServiceConfig;

describe('KEELSON_DEVICE_CERT_CACHE_SECONDS', () => {
  it('is 30 s by default and read in whole seconds from 0 to a day', () => {
    expect(deviceCertificateMemoryMsOf(configWith({}))).toBe(30_000);
    expect(deviceCertificateMemoryMsOf(configWith({ KEELSON_DEVICE_CERT_CACHE_SECONDS: '0' }))).toBe(0);
    expect(deviceCertificateMemoryMsOf(configWith({ KEELSON_DEVICE_CERT_CACHE_SECONDS: '3600' }))).toBe(3_600_000);
    expect(deviceCertificateMemoryMsOf(configWith({ KEELSON_DEVICE_CERT_CACHE_SECONDS: '86400' }))).toBe(86_400_000);
  });

  it.each(['-1', '1.5', '86401', 'thirty', '', ' '])('refuses %j, so the facade does not start', (value) => {
    expect(() => deviceCertificateMemoryMsOf(configWith({ KEELSON_DEVICE_CERT_CACHE_SECONDS: value }))).toThrow(
      `registry-facade: KEELSON_DEVICE_CERT_CACHE_SECONDS must be a whole number from 0 to 86400, got '${value}'`,
    );
  });
});
