import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { InvalidInput } from '@keelson/domain-kit';
import { readChildren, readOnly, tags, type DerElement } from './der.js';

/** A device's public key, taken from a CSR whose signature proved the device holds the private key. */
export interface VerifiedCsr {
  /** SubjectPublicKeyInfo (DER) of the device key: the only part of the CSR the certificate keeps. */
  publicKeyDer: ArrayBuffer;
}

const maxPemLength = 8_192;
const pemPattern = /^\s*-----BEGIN CERTIFICATE REQUEST-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE REQUEST-----\s*$/;
/** AlgorithmIdentifier of ecdsa-with-SHA256 (RFC 5758 3.2: no parameters). */
const ecdsaWithSha256 = Buffer.from('300a06082a8648ce3d040302', 'hex');
/** AlgorithmIdentifier of an EC public key on the named curve P-256 (RFC 5480 2.1.1). */
const ecP256Key = Buffer.from('301306072a8648ce3d020106082a8648ce3d030107', 'hex');

function refuse(message: string, cause?: unknown): never {
  throw new InvalidInput('csr.invalid', [{ path: ['csr'], message }], cause === undefined ? undefined : { cause });
}

/** PKCS#10 (RFC 2986 4): the signed info (version, subject, key, attributes), the algorithm, the signature. */
function parseRequest(der: Buffer): { info: DerElement; spki: DerElement; key: KeyObject; algorithm: Buffer; signature: Buffer } {
  const [info, algorithm, signature] = readChildren(readOnly(der), [tags.sequence, tags.sequence, tags.bitString]);
  const [version, , spki] = readChildren(info!, [tags.integer, tags.sequence, tags.sequence, 0xa0]);
  if (!version!.content.equals(Buffer.from([0]))) throw new Error('unknown CSR version');
  if (signature!.content[0] !== 0) throw new Error('the signature has unused bits');
  return { info: info!, spki: spki!, key: publicKeyOf(spki!.raw), algorithm: algorithm!.raw, signature: signature!.content.subarray(1) };
}

/**
 * createPublicKey for an SPKI. node:crypto first asks whether its argument is a KeyObject by
 * throwing and catching a TypeError, which captures a stack trace: in the enrollment burst that
 * was most of the key's cost (0.2 ms of 0.25 on this machine). No trace is wanted from that error,
 * so none is captured while the key is made; a refused key's own error keeps its message.
 */
function publicKeyOf(spkiDer: Buffer): KeyObject {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Checks a PEM PKCS#10 request: it parses, carries an ECDSA P-256 key, and is signed by that key
 * with ECDSA SHA-256 (proof of possession). The subject, extensions and attributes the device asked
 * for are ignored on purpose: the gateway alone decides what a device certificate says. node:crypto
 * does the key and signature work; an ASN.1 object model per request cost milliseconds of CPU.
 */
export async function verifyCsr(pem: string): Promise<VerifiedCsr> {
  if (pem.length > maxPemLength) refuse(`must be at most ${maxPemLength} characters`);
  if (!pem.includes('-----BEGIN CERTIFICATE REQUEST-----')) refuse('must be a PEM certificate request (BEGIN CERTIFICATE REQUEST)');
  const body = pemPattern.exec(pem)?.[1];
  let request: ReturnType<typeof parseRequest>;
  try {
    if (!body) throw new Error('not one PEM block');
    request = parseRequest(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
  } catch (err) {
    return refuse('is not a parsable PKCS#10 certificate request', err);
  }
  // The key's algorithm as written (a named P-256 curve), so the certificate carries the same bytes;
  // createPublicKey has already refused a point that is not on its curve.
  if (!request.spki.content.subarray(0, ecP256Key.length).equals(ecP256Key)) {
    const { asymmetricKeyType: type, asymmetricKeyDetails: details } = request.key;
    refuse(
      `must carry an ECDSA P-256 public key, got ${type ?? 'an unknown algorithm'}${details?.namedCurve ? ` ${details.namedCurve}` : ''}`,
    );
  }
  if (!request.algorithm.equals(ecdsaWithSha256)) refuse('must be signed with ECDSA SHA-256');
  let signed = false;
  try {
    signed = verify('sha256', request.info.raw, request.key, request.signature); // DER, the default for ECDSA; a KeyObject, see publicKeyOf
  } catch (err) {
    return refuse('has a signature that cannot be checked', err);
  }
  if (!signed) refuse('is not signed by the key it carries (proof of possession failed)');
  const { raw } = request.spki;
  return { publicKeyDer: raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer };
}
