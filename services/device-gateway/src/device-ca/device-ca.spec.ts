import 'reflect-metadata';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { InvalidInput } from '@keelson/domain-kit';
import { csrFor, csrSignedByAnotherKey, deviceKeys, rsaAlgorithm } from '../test-fixtures/device-keys.js';
import { verifyCsr } from './csr.js';
import { DeviceCertificateAuthority, deviceUri } from './device-ca.js';

const now = new Date('2026-11-22T10:00:00Z');

describe('device CA', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'keelson-ca-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('issues a certificate for the gateway-chosen device id that verifies against the fleet CA', async () => {
    const ca = new DeviceCertificateAuthority({ dir });
    const { publicKeyDer } = await verifyCsr(await csrFor(await deviceKeys(), 'CN=d-0000000000000000,OU=other-fleet'));
    const issued = await ca.issue({ fleet: 'plant-7', deviceId: 'd-1a2b3c4d5e6f7a8b', publicKeyDer, now });

    const cert = new x509.X509Certificate(issued.certificatePem);
    const caCert = new x509.X509Certificate(issued.caCertificatePem);
    expect(await cert.verify({ publicKey: caCert.publicKey, date: now })).toBe(true);
    expect(cert.subject).toBe('CN=d-1a2b3c4d5e6f7a8b, OU=plant-7, O=Keelson');
    expect(cert.issuer).toBe(caCert.subject);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    expect(san?.names.toJSON()).toEqual([{ type: 'url', value: deviceUri('plant-7', 'd-1a2b3c4d5e6f7a8b') }]);
    expect(cert.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(Buffer.from(cert.publicKey.rawData)).toEqual(Buffer.from(publicKeyDer));
    expect(cert.notAfter.getTime() - now.getTime()).toBe(30 * 24 * 3600 * 1000);
    expect(issued.serial).toMatch(/^[0-9a-f]{1,40}$/);
    expect(issued.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps each fleet CA on disk with a private key file and reuses it after a restart', async () => {
    const first = await new DeviceCertificateAuthority({ dir }).caCertificatePem('plant-7');
    expect(statSync(join(dir, 'plant-7', 'ca.key.pem')).mode & 0o777).toBe(0o600);
    const afterRestart = await new DeviceCertificateAuthority({ dir }).caCertificatePem('plant-7');
    expect(afterRestart).toBe(first);
    expect(await new DeviceCertificateAuthority({ dir }).caCertificatePem('plant-8')).not.toBe(first);
  });

  it('ends up with one CA when two gateways create a fleet CA at the same time', async () => {
    const pems = await Promise.all([1, 2, 3].map(() => new DeviceCertificateAuthority({ dir }).caCertificatePem('plant-7')));
    expect(new Set(pems).size).toBe(1);
  });

  it('refuses a fleet that is not a subject token', async () => {
    await expect(new DeviceCertificateAuthority({ dir }).caCertificatePem('../etc')).rejects.toThrow(InvalidInput);
  });
});

describe('CSR checks', () => {
  it('refuse a CSR signed by a key other than the one it carries', async () => {
    await expect(verifyCsr(await csrSignedByAnotherKey())).rejects.toThrow(/proof of possession/);
  });

  it('refuse an RSA key', async () => {
    await expect(verifyCsr(await csrFor(await deviceKeys(rsaAlgorithm)))).rejects.toThrow(/ECDSA P-256/);
  });

  it('refuse another curve', async () => {
    await expect(verifyCsr(await csrFor(await deviceKeys({ name: 'ECDSA', namedCurve: 'P-384' })))).rejects.toThrow(/ECDSA P-256/);
  });

  it('refuse garbage with InvalidInput on the csr field', async () => {
    const err = await verifyCsr('-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgY3Ny\n-----END CERTIFICATE REQUEST-----').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInput);
    expect((err as InvalidInput).issues[0]?.path).toEqual(['csr']);
    await expect(verifyCsr('hello')).rejects.toThrow(InvalidInput);
  });
});
