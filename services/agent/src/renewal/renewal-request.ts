import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 providers through tsyringe
import { createHash, createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { retryAfterMs } from '../link/retry-backoff.js';
import { readRenewResponse, renewalProofMessage, type RenewRequest, type RenewResponse } from '@keelson/events/device-protocol';

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signing = { name: 'ECDSA', hash: 'SHA-256' } as const;
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** How the agent reaches the gateway (the platform's TLS trust); the global fetch by default. */
export type RenewalFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<Response>;

/** The gateway refused; `code` is its `renewal.<reason>` (or the HTTP status when it said nothing). */
export class RenewalRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The HTTP status of the refusal; undefined when the refusal is the agent's own (a certificate for another key). */
    readonly status?: number,
    /** What the answer's `Retry-After` asked for, in milliseconds (a 503: the broker or a service briefly away). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The gateway or a service behind it failed or was briefly away (a 5xx): the same renewal may succeed a little later. */
  get transient(): boolean {
    return this.status !== undefined && this.status >= 500;
  }

  /** Renewing again cannot help: the device must be enrolled again (expired past grace, superseded, decommissioned). */
  get needsEnrollment(): boolean {
    return ['renewal.expired', 'renewal.superseded', 'renewal.decommissioned', 'renewal.untrusted-certificate'].includes(this.code);
  }
}

const importPrivate = (pem: string) => webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(pem), ecdsa, true, ['sign']);

/**
 * The request that renews `certificate`: a CSR for `nextKeyPem` (self-signed: it proves the next
 * key) and, over the certificate, the CSR and the time, a signature by `currentKeyPem`, the key of
 * the certificate (it proves the identity being renewed). The same key twice keeps the key.
 */
export async function renewalRequest(certificate: string, currentKeyPem: string, nextKeyPem: string, now: Date): Promise<RenewRequest> {
  const nextPrivate = await importPrivate(nextKeyPem);
  const nextPublic = await webcrypto.subtle.importKey(
    'spki',
    createPublicKey(createPrivateKey(nextKeyPem)).export({ type: 'spki', format: 'der' }),
    ecdsa,
    true,
    ['verify'],
  );
  const csr = (
    await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=keelson-device',
      keys: { privateKey: nextPrivate, publicKey: nextPublic },
      signingAlgorithm: signing,
    })
  ).toString('pem');
  const signedAt = now.toISOString();
  const proof = renewalProofMessage({ certificate, csr, signedAt }, sha256Hex);
  const signature = Buffer.from(await webcrypto.subtle.sign(signing, await importPrivate(currentKeyPem), proof)).toString('base64');
  return { certificate, csr, signedAt, signature };
}

/** Sends a renewal request to `<gateway>/v1/renew`; the gateway's answer, or `RenewalRefused`. */
export async function sendRenewal(gatewayUrl: string, request: RenewRequest, fetchImpl: RenewalFetch = fetch): Promise<RenewResponse> {
  const res = await fetchImpl(`${gatewayUrl.replace(/\/+$/, '')}/v1/renew`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) {
    let error: { code?: string; message?: string } | undefined;
    try {
      ({ error } = JSON.parse(text) as { error?: { code?: string; message?: string } });
    } catch {
      // not JSON: the status says enough
    }
    const asked = res.status === 503 ? retryAfterMs(res.headers.get('retry-after') ?? undefined) : undefined;
    throw new RenewalRefused(
      error?.code ?? `http.${res.status}`,
      `the gateway refused the renewal (HTTP ${res.status}) ${error?.message ?? ''}`.trim(),
      res.status,
      asked,
    );
  }
  return readRenewResponse(JSON.parse(text));
}
