import type { RenewRequest } from './certificate-renewal.js';

/**
 * The bytes a device signs to renew, in one place for the agent that signs and the gateway that
 * checks: `keelson-renew-v1\n<sha256 hex of certificate>\n<sha256 hex of csr>\n<signedAt>`, the
 * digests over the PEM text as sent (UTF-8). The certificate's digest ties the proof to the identity
 * being renewed, the CSR's to the key being certified, the time bounds replays to a few minutes;
 * once renewed, the old certificate is superseded, so even a replay within those minutes is refused.
 * Only a NEWER proof by the superseded certificate's key for the same next key (a device whose
 * answer was lost, asking again) gets the certificate issued then, and nothing more.
 * `sha256Hex` is the caller's (node:crypto): this library holds contracts, not crypto.
 */
export function renewalProofMessage(
  request: Pick<RenewRequest, 'certificate' | 'csr' | 'signedAt'>,
  sha256Hex: (text: string) => string,
): Uint8Array {
  return new TextEncoder().encode(`keelson-renew-v1\n${sha256Hex(request.certificate)}\n${sha256Hex(request.csr)}\n${request.signedAt}`);
}
