import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 providers through tsyringe
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A device's TLS client identity (PEM) and the fingerprint the device events would carry for it. */
export interface TestDeviceCertificate {
  cert: string;
  key: string;
  fingerprint: string;
}

export interface IssueOptions {
  /** The fleet the certificate names (default: the CA's). */
  fleet?: string;
  notBefore?: Date;
  notAfter?: Date;
}

const serial = () => `01${randomBytes(15).toString('hex')}`;

async function identityOf(cert: x509.X509Certificate, keys: webcrypto.CryptoKeyPair): Promise<TestDeviceCertificate> {
  const key = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { cert: cert.toString('pem'), key, fingerprint: createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex') };
}

/**
 * A device CA made as the gateway makes a fleet's (ECDSA P-256, device certificates with the
 * `urn:keelson:device:<fleet>:<id>` SAN and clientAuth), with real keys: the facade's and the agent's specs check
 * real certificates presented in real TLS handshakes.
 */
export class TestDeviceCa {
  private constructor(
    readonly fleet: string,
    readonly certPem: string,
    private readonly cert: x509.X509Certificate,
    private readonly keys: webcrypto.CryptoKeyPair,
  ) {}

  static async create(fleet: string): Promise<TestDeviceCa> {
    const keys = await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=Keelson device CA ${fleet}, OU=${fleet}, O=Keelson`,
      keys,
      signingAlgorithm,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 365 * 86_400_000),
      extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
    });
    return new TestDeviceCa(fleet, cert.toString('pem'), cert, keys);
  }

  /** A certificate for `deviceId` with a fresh key, valid from a minute ago for an hour unless told otherwise. */
  async issue(deviceId: string, options: IssueOptions = {}): Promise<TestDeviceCertificate> {
    const keys = await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: `CN=${deviceId}, OU=${options.fleet ?? this.fleet}, O=Keelson`,
      issuer: this.cert.subjectName,
      notBefore: options.notBefore ?? new Date(Date.now() - 60_000),
      notAfter: options.notAfter ?? new Date(Date.now() + 3_600_000),
      publicKey: keys.publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `urn:keelson:device:${options.fleet ?? this.fleet}:${deviceId}` }]),
      ],
    });
    return identityOf(cert, keys);
  }
}

/** A device certificate that signs itself, naming `fleet` and `deviceId` as the real ones do. */
export async function selfSignedDevice(fleet: string, deviceId: string): Promise<TestDeviceCertificate> {
  const keys = await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${deviceId}, OU=${fleet}, O=Keelson`,
    keys,
    signingAlgorithm,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `urn:keelson:device:${fleet}:${deviceId}` }]),
    ],
  });
  return identityOf(cert, keys);
}
