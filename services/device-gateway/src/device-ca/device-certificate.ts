import { createHash, sign, type KeyObject } from 'node:crypto';
import { childrenOf, oid, readChildren, readOnly, tags, time, tlv } from './der.js';

/**
 * What a fleet's CA contributes to every certificate it issues, worked out once when the CA is
 * loaded: its signing key, its subject (the issuer, byte for byte, so chains match) and its key id.
 */
export interface CaSigningContext {
  key: KeyObject;
  issuerDer: Buffer;
  /** RFC 5280 4.2.1.2 method 1: SHA-1 of the CA's subjectPublicKey bits. */
  keyIdentifier: Buffer;
}

/** The DER fields of the CA certificate the context needs. */
export function caSigningContext(caCertDer: Buffer, key: KeyObject): CaSigningContext {
  const [tbs] = readChildren(readOnly(caCertDer), [tags.sequence, tags.sequence, tags.bitString]);
  // tbsCertificate: [0] version, serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, …
  const fields = childrenOf(tbs!);
  if (fields.length < 7) throw new Error('device CA: the CA certificate lacks TBSCertificate fields');
  return { key, issuerDer: Buffer.from(fields[5]!.raw), keyIdentifier: keyIdentifierOf(fields[6]!.raw) };
}

/** SHA-1 over the subjectPublicKey BIT STRING's bits (after its unused-bits octet). */
export function keyIdentifierOf(spkiDer: Buffer): Buffer {
  const [, bits] = readChildren(readOnly(spkiDer), [tags.sequence, tags.bitString]);
  return createHash('sha1').update(bits!.content.subarray(1)).digest();
}

const ecdsaWithSha256 = tlv(tags.sequence, oid('1.2.840.10045.4.3.2'));
const critical = tlv(tags.boolean, Buffer.from([0xff]));
const extension = (id: string, value: Buffer, isCritical = false) =>
  tlv(tags.sequence, oid(id), ...(isCritical ? [critical] : []), tlv(tags.octetString, value));
const nameOf = (attributes: [string, string][]) =>
  tlv(
    tags.sequence,
    ...attributes.map(([type, value]) => tlv(tags.set, tlv(tags.sequence, oid(type), tlv(tags.utf8String, Buffer.from(value, 'utf8'))))),
  );

/** The parts of a device certificate that are the same for every device: built once. */
const fixedExtensions = Buffer.concat([
  extension('2.5.29.19', tlv(tags.sequence), true), // basicConstraints: not a CA
  extension('2.5.29.15', tlv(tags.bitString, Buffer.from([0x07, 0x80])), true), // keyUsage: digitalSignature
  extension('2.5.29.37', tlv(tags.sequence, oid('1.3.6.1.5.5.7.3.2'))), // extKeyUsage: clientAuth
]);

export interface DeviceCertificateFields {
  /** Positive, at most 20 octets, top bit clear (RFC 5280 4.1.2.2). */
  serial: Buffer;
  deviceId: string;
  fleet: string;
  uri: string;
  notBefore: Date;
  notAfter: Date;
  /** The device's SubjectPublicKeyInfo, already checked (ECDSA P-256). */
  spkiDer: Buffer;
}

/**
 * A device certificate (X.509 v3) signed with the CA's key: subject CN=<device>, OU=<fleet>,
 * O=Keelson; SAN the device URI; client authentication only. Built as DER directly and signed with
 * node:crypto: an ASN.1 object model per certificate cost milliseconds of CPU per enrollment.
 */
export function signDeviceCertificate(ca: CaSigningContext, f: DeviceCertificateFields): Buffer {
  const extensions = Buffer.concat([
    fixedExtensions,
    extension('2.5.29.17', tlv(tags.sequence, tlv(0x86, Buffer.from(f.uri, 'ascii')))), // subjectAltName: URI
    extension('2.5.29.14', tlv(tags.octetString, keyIdentifierOf(f.spkiDer))), // subjectKeyIdentifier
    extension('2.5.29.35', tlv(tags.sequence, tlv(0x80, ca.keyIdentifier))), // authorityKeyIdentifier: keyIdentifier
  ]);
  const tbs = tlv(
    tags.sequence,
    tlv(0xa0, tlv(tags.integer, Buffer.from([2]))), // v3
    tlv(tags.integer, f.serial),
    ecdsaWithSha256,
    ca.issuerDer,
    tlv(tags.sequence, time(f.notBefore), time(f.notAfter)),
    nameOf([
      ['2.5.4.3', f.deviceId],
      ['2.5.4.11', f.fleet],
      ['2.5.4.10', 'Keelson'],
    ]),
    f.spkiDer,
    tlv(0xa3, tlv(tags.sequence, extensions)),
  );
  // The KeyObject itself, not `{ key, dsaEncoding: 'der' }` (DER is the default for ECDSA): node:crypto
  // tells a KeyObject from options by throwing and catching a TypeError, stack trace and all.
  const signature = sign('sha256', tbs, ca.key);
  return tlv(tags.sequence, tbs, ecdsaWithSha256, tlv(tags.bitString, Buffer.from([0]), signature));
}
