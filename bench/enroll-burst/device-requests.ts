import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 providers through tsyringe
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** What a device sends to `POST /v1/enroll`, minus the token: its CSR and what it says of itself. */
export interface DeviceRequest {
  name: string;
  csr: string;
  hardware: { memoryMb: number; architecture: string };
}

/**
 * The device side of enrollment, done before the timed window: a P-256 key and a CSR per device, the
 * same calls the agent's `enrollDevice` makes. Returned with the CPU seconds this process spent, so
 * the report can put the device's cost beside the platform's.
 */
export async function prepareDeviceRequests(count: number): Promise<{ requests: DeviceRequest[]; cpuSeconds: number; seconds: number }> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const requests: DeviceRequest[] = [];
  for (let i = 1; i <= count; i++) {
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=keelson-device',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    requests.push({ name: `burst-${i}`, csr: csr.toString('pem'), hardware: { memoryMb: 4096, architecture: 'amd64' } });
  }
  const used = process.cpuUsage(cpu);
  return { requests, cpuSeconds: (used.user + used.system) / 1e6, seconds: (performance.now() - t0) / 1000 };
}
