import { createHash } from 'node:crypto';
import { z } from 'zod';
import { IsoTime } from '@keelson/events';

/**
 * The body of `POST /v1/renew`: the certificate the device holds, a CSR for the key it wants
 * certified next (the same key or a new one), and a signature by the CURRENT certificate's key over
 * both and the time (proof of possession of the identity being renewed, not only of the new key).
 */
export const RenewRequest = z.strictObject({
  certificate: z.string().min(1).max(8_192),
  csr: z.string().min(1).max(8_192),
  signedAt: IsoTime,
  /** ECDSA P-256 / SHA-256, IEEE P1363 (r||s) as WebCrypto makes it, base64. */
  signature: z.string().min(1).max(200),
});
export type RenewRequest = z.infer<typeof RenewRequest>;

/** What a renewed device takes home. */
export interface RenewResponse {
  certificate: string;
  caCertificate: string;
  notAfter: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The bytes the device signs. The certificate's digest ties the proof to the identity being renewed,
 * the CSR's to the key being certified, the time bounds replays to a few minutes; once renewed, the
 * old certificate is superseded, so even a replay within those minutes is refused.
 */
export function renewalProofMessage(request: Pick<RenewRequest, 'certificate' | 'csr' | 'signedAt'>): Uint8Array {
  return new TextEncoder().encode(`keelson-renew-v1\n${sha256(request.certificate)}\n${sha256(request.csr)}\n${request.signedAt}`);
}
