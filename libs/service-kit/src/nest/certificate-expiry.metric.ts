import { X509Certificate } from 'node:crypto';
import { Gauge, register } from 'prom-client';

const name = 'keelson_tls_certificate_expiry_timestamp_seconds';

const gauge = (): Gauge<string> =>
  (register.getSingleMetric(name) as Gauge<string> | undefined) ??
  new Gauge({ name, help: 'When the certificate this service serves expires (Unix seconds), by service', labelNames: ['service'] });

/**
 * Records when the certificate a service serves stops being valid (the first of a chain file), so an
 * alert can warn before devices start failing their handshakes. The server reads the file once at
 * start, so the figure holds until the next start, as the certificate does.
 */
export function recordCertificateExpiry(service: string, certificatePem: Buffer): void {
  gauge().set({ service }, Date.parse(new X509Certificate(certificatePem).validTo) / 1000);
}
