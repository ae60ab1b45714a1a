import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 providers through tsyringe
import { createHash, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { assertSubjectToken } from '@keelson/event-store';
import { resealKeyFiles } from '@keelson/service-kit';
import { caSigningContext, signDeviceCertificate, type CaSigningContext } from './device-certificate.js';
import { readCaFiles, sealedCaKeyFiles, writeCaFilesOnce, type CaFiles } from './ca-files.js';

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const day = 24 * 3600 * 1000;

/** A certificate the CA issued to a device, with what events and answers need to say about it. */
export interface IssuedCertificate {
  certificatePem: string;
  caCertificatePem: string;
  /** Lowercase hex, no leading zeros (as `DeviceEnrolled` stores it). */
  serial: string;
  /** SHA-256 of the DER certificate, lowercase hex. */
  fingerprint: string;
  notAfter: Date;
}

export interface DeviceCaOptions {
  /** `<KEELSON_DATA_DIR>/ca`; each fleet's CA lives in `<dir>/<fleet>/`. */
  dir: string;
  /** How long a device certificate is valid (renewal comes with a later issue). */
  certificateValidityDays?: number;
  /** How long a fleet's CA certificate is valid. */
  caValidityYears?: number;
  /** `KEELSON_DEVICE_CA_KEY_SECRET`: seals each CA key at rest (AES-256-GCM). Without it keys stay plaintext (development). */
  keySecret?: string | undefined;
  /** `KEELSON_DEVICE_CA_KEY_SECRET_PREVIOUS`: the secret `keySecret` replaces; keys sealed under it are re-sealed. */
  previousKeySecret?: string | undefined;
}

interface LoadedCa {
  signing: CaSigningContext;
  cert: x509.X509Certificate;
  certPem: string;
}

/** `urn:keelson:device:<fleet>:<deviceId>`: the name a relying party checks, never the CN alone. */
export function deviceUri(fleet: string, deviceId: string): string {
  return `urn:keelson:device:${fleet}:${deviceId}`;
}

/**
 * The device CA of every fleet (ECDSA P-256). A fleet's CA is generated the first time the fleet
 * needs one and kept in the gateway's data directory, so it survives restarts.
 */
export class DeviceCertificateAuthority {
  private readonly loaded = new Map<string, Promise<LoadedCa>>();

  constructor(private readonly options: DeviceCaOptions) {}

  /**
   * During a rotation of `KEELSON_DEVICE_CA_KEY_SECRET`: re-seals every fleet's CA key that only the
   * previous secret opens under the new one, and returns how many (0 when there is no rotation).
   */
  async resealKeys(): Promise<number> {
    const { keySecret, previousKeySecret } = this.options;
    if (!keySecret || !previousKeySecret) return 0;
    return resealKeyFiles(await sealedCaKeyFiles(this.options.dir), {
      name: 'KEELSON_DEVICE_CA_KEY_SECRET',
      current: keySecret,
      previous: previousKeySecret,
    });
  }

  /** The fleet's CA certificate (PEM), creating the CA if the fleet has none yet. */
  async caCertificatePem(fleet: string): Promise<string> {
    return (await this.caOf(fleet)).certPem;
  }

  /** Signs a certificate for `deviceId` over the device's (already verified) public key. */
  async issue(input: { fleet: string; deviceId: string; publicKeyDer: ArrayBuffer; now: Date }): Promise<IssuedCertificate> {
    assertSubjectToken('deviceId', input.deviceId);
    const ca = await this.caOf(input.fleet);
    const validityMs = (this.options.certificateValidityDays ?? 30) * day;
    // Whole seconds: what the certificate itself says (x509 times have no milliseconds), so the expiry
    // recorded in events and shown to operators is the certificate's own.
    const notAfter = new Date(Math.floor((input.now.getTime() + validityMs) / 1000) * 1000);
    const serial = serialNumber();
    const der = signDeviceCertificate(ca.signing, {
      serial,
      deviceId: input.deviceId,
      fleet: input.fleet,
      uri: deviceUri(input.fleet, input.deviceId),
      // Devices' clocks drift; a short test lifetime is not swallowed by the allowance.
      notBefore: new Date(input.now.getTime() - Math.min(5 * 60 * 1000, validityMs / 10)),
      notAfter,
      spkiDer: Buffer.from(input.publicKeyDer),
    });
    return {
      certificatePem: x509.PemConverter.encode(der, 'CERTIFICATE'),
      caCertificatePem: ca.certPem,
      serial: serial.toString('hex').replace(/^0+(?=.)/, ''),
      fingerprint: createHash('sha256').update(der).digest('hex'),
      notAfter,
    };
  }

  /**
   * The fleet's CA certificate if the fleet has a CA, else null: what a relying party checks a
   * presented certificate against, without creating a CA for whatever fleet a stranger names.
   */
  async existingCaCertificate(fleet: string): Promise<x509.X509Certificate | null> {
    assertSubjectToken('fleet', fleet);
    if (!this.loaded.has(fleet) && !existsSync(join(this.options.dir, fleet, 'ca.cert.pem'))) return null;
    return (await this.caOf(fleet)).cert;
  }

  private caOf(fleet: string): Promise<LoadedCa> {
    assertSubjectToken('fleet', fleet);
    let ca = this.loaded.get(fleet);
    if (!ca) {
      ca = this.loadOrCreate(fleet);
      ca.catch(() => this.loaded.delete(fleet)); // a failed load is retried by the next caller
      this.loaded.set(fleet, ca);
    }
    return ca;
  }

  private async loadOrCreate(fleet: string): Promise<LoadedCa> {
    const dir = join(this.options.dir, fleet);
    const protection = { secret: this.options.keySecret, previousSecret: this.options.previousKeySecret };
    const files = (await readCaFiles(dir, protection)) ?? (await writeCaFilesOnce(dir, await this.generate(fleet), protection));
    // Imported and parsed once per fleet: every certificate the CA issues reuses them.
    const cert = new x509.X509Certificate(files.certPem);
    const signing = caSigningContext(Buffer.from(cert.rawData), createPrivateKey(files.keyPem));
    return { signing, cert, certPem: files.certPem };
  }

  private async generate(fleet: string): Promise<CaFiles> {
    const keys = await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
    const now = new Date();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber().toString('hex'),
      name: [{ CN: [`Keelson device CA ${fleet}`] }, { OU: [fleet] }, { O: ['Keelson'] }],
      notBefore: new Date(now.getTime() - 5 * 60 * 1000),
      notAfter: new Date(now.getTime() + (this.options.caValidityYears ?? 10) * 365 * day),
      keys,
      signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return { keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), certPem: cert.toString('pem') };
  }
}

// RFC 5280 4.1.2.2: positive, at most 20 octets; 16 random octets with the top bit cleared.
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes;
}
