import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 providers through tsyringe
import { Pkcs10CertificateRequest } from '@peculiar/x509';
import { InvalidInput } from '@keelson/domain-kit';

/** A device's public key, taken from a CSR whose signature proved the device holds the private key. */
export interface VerifiedCsr {
  /** SubjectPublicKeyInfo (DER) of the device key: the only part of the CSR the certificate keeps. */
  publicKeyDer: ArrayBuffer;
}

const maxPemLength = 8_192;

function refuse(message: string, cause?: unknown): never {
  throw new InvalidInput('csr.invalid', [{ path: ['csr'], message }], cause === undefined ? undefined : { cause });
}

/**
 * Checks a PEM PKCS#10 request: it parses, carries an ECDSA P-256 key, and is signed by that key
 * (proof of possession). The subject, extensions and attributes the device asked for are ignored on
 * purpose: the gateway alone decides what a device certificate says.
 */
export async function verifyCsr(pem: string): Promise<VerifiedCsr> {
  if (pem.length > maxPemLength) refuse(`must be at most ${maxPemLength} characters`);
  if (!pem.includes('-----BEGIN CERTIFICATE REQUEST-----')) refuse('must be a PEM certificate request (BEGIN CERTIFICATE REQUEST)');
  let csr: Pkcs10CertificateRequest;
  try {
    csr = new Pkcs10CertificateRequest(pem);
  } catch (err) {
    return refuse('is not a parsable PKCS#10 certificate request', err);
  }
  const algorithm = csr.publicKey.algorithm as { name?: string; namedCurve?: string };
  if (algorithm.name !== 'ECDSA' || algorithm.namedCurve !== 'P-256') {
    refuse(`must carry an ECDSA P-256 public key, got ${algorithm.name ?? 'an unknown algorithm'}${algorithm.namedCurve ? ` ${algorithm.namedCurve}` : ''}`);
  }
  let signed = false;
  try {
    signed = await csr.verify();
  } catch (err) {
    return refuse('has a signature that cannot be checked', err);
  }
  if (!signed) refuse('is not signed by the key it carries (proof of possession failed)');
  return { publicKeyDer: csr.publicKey.rawData };
}
