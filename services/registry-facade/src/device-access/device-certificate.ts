import type { X509Certificate } from 'node:crypto';

/** What a device certificate says about its holder, read from the certificate alone (nothing is trusted yet). */
export interface PresentedCertificate {
  fleet: string;
  deviceId: string;
  /** SHA-256 of the DER, lowercase hex: how the device events name a certificate. */
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
}

// The gateway's device CA names the device in one URI SAN; the CN alone is never trusted (RFC 6125 spirit).
const deviceUri = /^URI:urn:keelson:device:([a-z0-9][a-z0-9-]{0,62}):([a-z0-9][a-z0-9-]{0,62})$/;
const clientAuth = '1.3.6.1.5.5.7.3.2';

/**
 * Reads a Keelson device certificate: exactly one `urn:keelson:device:<fleet>:<deviceId>` SAN, not a
 * CA, and (when it lists extended key usages) good for TLS client authentication. Null for anything
 * else; whether its issuer is the fleet's CA is for the caller to check.
 */
export function readDeviceCertificate(cert: X509Certificate): PresentedCertificate | null {
  if (cert.ca) return null;
  const usages = cert.keyUsage;
  if (usages && !usages.includes(clientAuth)) return null;
  const names = (cert.subjectAltName ?? '').split(', ').filter((n) => n.startsWith('URI:'));
  const match = names.length === 1 ? deviceUri.exec(names[0]!) : null;
  if (!match) return null;
  return {
    fleet: match[1]!,
    deviceId: match[2]!,
    fingerprint: fingerprintOf(cert),
    notBefore: cert.validFromDate,
    notAfter: cert.validToDate,
  };
}

/** SHA-256 of the certificate's DER, lowercase hex: how device events and refusal records name a certificate. */
export function fingerprintOf(cert: X509Certificate): string {
  return cert.fingerprint256.replaceAll(':', '').toLowerCase();
}

/** True when one of `cas` issued `cert`: the issuer name matches and the CA's key verifies the signature. */
export function isIssuedByAny(cert: X509Certificate, cas: readonly X509Certificate[]): boolean {
  return cas.some((ca) => ca.ca && cert.checkIssued(ca) && cert.verify(ca.publicKey));
}
