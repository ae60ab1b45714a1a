import { z } from 'zod';
import { IsoTime } from '../kit/tokens.js';

/**
 * The body of the gateway's `POST /v1/renew`: the certificate the device holds, a CSR for the key it
 * wants certified next (a new key, the agent's default, or the same one), and a signature by the
 * CURRENT certificate's key over both and the time. Both keys are proven: the signature proves the
 * identity being renewed, the CSR's self-signature the next key. Only the CSR's key is used: the new
 * certificate names the identity of the presented one, whatever the CSR asks for.
 */
export const RenewRequest = z.strictObject({
  certificate: z.string().min(1).max(8_192),
  csr: z.string().min(1).max(8_192),
  signedAt: IsoTime,
  /** ECDSA P-256 / SHA-256, IEEE P1363 (r||s) as WebCrypto makes it, base64. */
  signature: z.string().min(1).max(200),
});
export type RenewRequest = z.infer<typeof RenewRequest>;

/** What a renewed device takes home (read tolerantly by the agent: fields may be added). */
export const RenewResponse = z.object({ certificate: z.string().min(1), caCertificate: z.string().min(1), notAfter: IsoTime });
export type RenewResponse = z.infer<typeof RenewResponse>;

export { renewalProofMessage } from './renewal-proof.js';
