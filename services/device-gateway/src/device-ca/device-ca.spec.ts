import 'reflect-metadata';
import { createHash, X509Certificate } from 'node:crypto';
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

  it('says the expiry the certificate carries, whole seconds, when issued at an instant with milliseconds', async () => {
    const ca = new DeviceCertificateAuthority({ dir });
    const { publicKeyDer } = await verifyCsr(await csrFor(await deviceKeys()));
    const issued = await ca.issue({
      fleet: 'plant-7',
      deviceId: 'd-1a2b3c4d5e6f7a8c',
      publicKeyDer,
      now: new Date('2026-11-22T10:00:00.750Z'),
    });
    expect(issued.notAfter).toEqual(new x509.X509Certificate(issued.certificatePem).notAfter);
    expect(issued.notAfter.toISOString()).toBe('2026-12-22T10:00:00.000Z');
  });

  it('issues a certificate that node:crypto chains to the fleet CA, with its key ids linked', async () => {
    const ca = new DeviceCertificateAuthority({ dir });
    const { publicKeyDer } = await verifyCsr(await csrFor(await deviceKeys()));
    const issued = await ca.issue({ fleet: 'plant-7', deviceId: 'd-1a2b3c4d5e6f7a8b', publicKeyDer, now });

    const cert = new X509Certificate(issued.certificatePem);
    const caCert = new X509Certificate(issued.caCertificatePem);
    expect([cert.checkIssued(caCert), cert.verify(caCert.publicKey), cert.ca]).toEqual([true, true, false]);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.subjectAltName).toBe(`URI:${deviceUri('plant-7', 'd-1a2b3c4d5e6f7a8b')}`);
    expect(createHash('sha256').update(cert.raw).digest('hex')).toBe(issued.fingerprint);
    expect(cert.serialNumber.toLowerCase().replace(/^0+/, '')).toBe(issued.serial);
    const parsed = new x509.X509Certificate(issued.certificatePem);
    const caSki = new x509.X509Certificate(issued.caCertificatePem).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    expect(parsed.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(caSki);
    expect(parsed.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toBe(
      await parsed.publicKey.getKeyIdentifier().then((id) => Buffer.from(id).toString('hex')),
    );
    expect(parsed.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
  });

  it('writes validity dates from 2050 on as GeneralizedTime', async () => {
    const ca = new DeviceCertificateAuthority({ dir, certificateValidityDays: 400 });
    const { publicKeyDer } = await verifyCsr(await csrFor(await deviceKeys()));
    const at = new Date('2049-12-01T00:00:00Z');
    const issued = await ca.issue({ fleet: 'plant-7', deviceId: 'd-1a2b3c4d5e6f7a8b', publicKeyDer, now: at });
    expect(new x509.X509Certificate(issued.certificatePem).notAfter).toEqual(new Date(at.getTime() + 400 * 24 * 3600 * 1000));
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

  it('refuse a key whose point is not on its curve, and leave Error.stackTraceLimit as it was', async () => {
    const limit = Error.stackTraceLimit;
    const pem = await csrFor(await deviceKeys());
    await verifyCsr(pem);
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const point = der.indexOf(Buffer.from('03420004', 'hex')) + 4;
    der[point + 63] = der[point + 63]! ^ 0x01; // the last byte of y
    const offCurve = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(verifyCsr(offCurve)).rejects.toThrow(/parsable/);
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it('refuse a CSR with bytes after it', async () => {
    const pem = await csrFor(await deviceKeys());
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const padded = `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.concat([der, Buffer.from([0])]).toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(verifyCsr(padded)).rejects.toThrow(/parsable/);
  });

  it('refuse garbage with InvalidInput on the csr field', async () => {
    const err = await verifyCsr('-----BEGIN CERTIFICATE REQUEST-----\nbm90IGEgY3Ny\n-----END CERTIFICATE REQUEST-----').catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidInput);
    expect((err as InvalidInput).issues[0]?.path).toEqual(['csr']);
    await expect(verifyCsr('hello')).rejects.toThrow(InvalidInput);
  });
});
