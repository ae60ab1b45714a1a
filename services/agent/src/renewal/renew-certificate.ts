import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 providers through tsyringe
import { createHash, webcrypto } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as x509 from '@peculiar/x509';
import { RenewResponse, renewalProofMessage } from '@keelson/events';
import { writeFileAtomic } from '../data-dir/atomic-file.js';
import type { DataDirLayout } from '../data-dir/layout.js';

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signing = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** The gateway refused; `code` is its `renewal.<reason>` (or the HTTP status when it said nothing). */
export class RenewalRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** Renewing again cannot help: the device must be enrolled again (expired past grace, superseded, decommissioned). */
  get needsEnrollment(): boolean {
    return ['renewal.expired', 'renewal.superseded', 'renewal.decommissioned', 'renewal.untrusted-certificate'].includes(this.code);
  }
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Renews the device certificate at `<gateway>/v1/renew` with the device's key: a CSR for the same
 * key, signed together with the current certificate and the time by that key. The new certificate
 * replaces the old one atomically (the key is unchanged, so the pair always matches).
 */
export async function renewCertificate(
  layout: DataDirLayout,
  gatewayUrl: string,
  now = new Date(),
  /** How to reach the gateway (the platform's TLS trust); the global fetch by default. */
  fetchImpl: (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<Response> = fetch,
): Promise<x509.X509Certificate> {
  const [keyPem, certificate] = await Promise.all([readFile(layout.deviceKey, 'utf8'), readFile(layout.deviceCertificate, 'utf8')]);
  const privateKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(keyPem), ecdsa, true, ['sign']);
  const publicKey = await new x509.X509Certificate(certificate).publicKey.export(ecdsa, ['verify'], webcrypto);
  const csr = (await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=keelson-device', keys: { privateKey, publicKey }, signingAlgorithm: signing })).toString('pem');
  const signedAt = now.toISOString();
  const signature = Buffer.from(await webcrypto.subtle.sign(signing, privateKey, renewalProofMessage({ certificate, csr, signedAt }, sha256Hex))).toString('base64');
  const res = await fetchImpl(`${gatewayUrl.replace(/\/+$/, '')}/v1/renew`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ certificate, csr, signedAt, signature }), signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) {
    let error: { code?: string; message?: string } | undefined;
    try {
      ({ error } = JSON.parse(text) as { error?: { code?: string; message?: string } });
    } catch {
      // not JSON: the status says enough
    }
    throw new RenewalRefused(error?.code ?? `http.${res.status}`, `the gateway refused the renewal (HTTP ${res.status}) ${error?.message ?? ''}`.trim());
  }
  const answer = RenewResponse.parse(JSON.parse(text));
  const renewed = new x509.X509Certificate(answer.certificate);
  // Never keep a certificate for another key: the key on disk is the only one the device has.
  if (Buffer.compare(Buffer.from(renewed.publicKey.rawData), Buffer.from(new x509.X509Certificate(certificate).publicKey.rawData)) !== 0) {
    throw new RenewalRefused('renewal.wrong-key', 'the gateway answered with a certificate for another key');
  }
  await writeFileAtomic(layout.caCertificate, answer.caCertificate);
  await writeFileAtomic(layout.deviceCertificate, answer.certificate);
  return renewed;
}
