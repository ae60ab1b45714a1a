import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 providers through tsyringe
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { InvalidInput, RuleViolation } from '@keelson/domain-kit';
import type { EventMetadata } from '@keelson/event-store';
import { parseOrThrow, RenewRequest, renewalProofMessage, type RenewResponse } from '@keelson/events';
import type { Clock } from '@keelson/service-kit';
import { verifyCsr } from '../device-ca/csr.js';
import type { DeviceCertificateAuthority } from '../device-ca/device-ca.js';
import type { Devices } from '../devices/devices.js';
import { lostAnswer } from './lost-answer.js';
import { checkRenewalKey, type RenewalKeyPolicy } from './renewal-key-policy.js';
import { RenewalRefusedError } from './renewal-refused.error.js';

export interface CertificateRenewalDeps {
  ca: DeviceCertificateAuthority;
  devices: Devices;
  clock: Clock;
  /** How long after its expiry a certificate may still renew (`KEELSON_DEVICE_CERT_GRACE_DAYS`). */
  graceDays: number;
  /** Whether a renewal may keep the key or must rotate it (`KEELSON_DEVICE_RENEWAL_KEY`). */
  keyPolicy: RenewalKeyPolicy;
}

const day = 24 * 3600 * 1000;
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const proofWindowMs = 5 * 60 * 1000;
const deviceUriPattern = /^urn:keelson:device:([a-z0-9][a-z0-9-]{0,62}):([a-z0-9][a-z0-9-]{0,62})$/;

function identityOf(cert: x509.X509Certificate): { fleet: string; deviceId: string } {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const uri = san?.names.items.find((n) => n.type === 'url')?.value ?? '';
  const match = deviceUriPattern.exec(uri);
  if (!match) throw new RenewalRefusedError('untrusted-certificate', 'the certificate is not a Keelson device certificate');
  return { fleet: match[1]!, deviceId: match[2]! };
}

/**
 * Renews a device certificate. The device presents the certificate it holds and proves possession
 * of both keys: the certificate's key signs the request, and the CSR's self-signature proves the key
 * to certify next (the same one or a new one, per the key policy). The identity comes from the
 * presented certificate (checked against the fleet's CA), never from the CSR, and only the device's
 * latest certificate may renew. Expired certificates renew within the grace period; after it, and
 * for a decommissioned device, only re-enrollment helps.
 */
export class CertificateRenewal {
  constructor(private readonly d: CertificateRenewalDeps) {}

  async renew(body: unknown, meta: Omit<EventMetadata, 'actor'>): Promise<RenewResponse> {
    const request = parseOrThrow(RenewRequest, body, 'renew.invalid');
    let cert: x509.X509Certificate;
    try {
      cert = new x509.X509Certificate(request.certificate);
    } catch (err) {
      throw new InvalidInput('renew.invalid', [{ path: ['certificate'], message: 'is not a PEM certificate' }], { cause: err });
    }
    const { fleet, deviceId } = identityOf(cert);
    const caCert = await this.d.ca.existingCaCertificate(fleet);
    if (!caCert || !(await cert.verify({ publicKey: caCert.publicKey, signatureOnly: true }))) {
      throw new RenewalRefusedError('untrusted-certificate', "the certificate was not issued by the fleet's device CA");
    }
    const now = this.d.clock.now();
    if (now.getTime() > cert.notAfter.getTime() + this.d.graceDays * day) {
      throw new RenewalRefusedError('expired', 'the certificate expired longer ago than the grace period allows: enroll the device again');
    }
    await this.checkProof(request, cert, now);
    const presentedFingerprint = createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex');
    const device = await this.d.devices.current(fleet, deviceId);
    if (device.status === 'decommissioned') throw new RenewalRefusedError('decommissioned', 'the device is decommissioned');
    const { publicKeyDer } = await verifyCsr(request.csr);
    if (device.status === 'absent' || device.certificateFingerprint !== presentedFingerprint) {
      const again = lostAnswer(device, presentedFingerprint, request, publicKeyDer);
      if (again)
        return { certificate: again.toString('pem'), caCertificate: caCert.toString('pem'), notAfter: again.notAfter.toISOString() };
      throw new RenewalRefusedError('superseded', "the certificate is not the device's latest: enroll the device again");
    }
    const { keyRotated } = checkRenewalKey(this.d.keyPolicy, cert.publicKey.rawData, publicKeyDer);
    // The CSR contributes only its key: the identity is the presented certificate's.
    const issued = await this.d.ca.issue({ fleet, deviceId, publicKeyDer, now });
    try {
      await this.d.devices.execute(
        fleet,
        deviceId,
        {
          type: 'RenewCertificate',
          presentedFingerprint,
          certificateSerial: issued.serial,
          certificateFingerprint: issued.fingerprint,
          notAfter: issued.notAfter.toISOString(),
          keyRotated,
          certificatePem: issued.certificatePem,
          proofSignedAt: request.signedAt,
        },
        { ...meta, actor: { kind: 'device', id: deviceId } },
      );
    } catch (err) {
      // Two renewals raced with the same certificate: one won, this one's certificate is never handed out.
      if (err instanceof RuleViolation && err.code === 'device.certificate-superseded')
        throw new RenewalRefusedError('superseded', 'the certificate was renewed already');
      if (err instanceof RuleViolation && err.code === 'device.decommissioned')
        throw new RenewalRefusedError('decommissioned', 'the device is decommissioned');
      throw err;
    }
    return { certificate: issued.certificatePem, caCertificate: issued.caCertificatePem, notAfter: issued.notAfter.toISOString() };
  }

  private async checkProof(request: RenewRequest, cert: x509.X509Certificate, now: Date): Promise<void> {
    if (Math.abs(now.getTime() - Date.parse(request.signedAt)) > proofWindowMs) {
      throw new RenewalRefusedError('stale-proof', 'the proof is not from the last few minutes: check the device clock and sign again');
    }
    let valid = false;
    try {
      const key = await cert.publicKey.export({ name: 'ECDSA', namedCurve: 'P-256' }, ['verify'], webcrypto);
      valid = await webcrypto.subtle.verify(
        { name: 'ECDSA', hash: 'SHA-256' },
        key,
        Buffer.from(request.signature, 'base64'),
        renewalProofMessage(request, sha256Hex),
      );
    } catch {
      valid = false;
    }
    if (!valid) throw new RenewalRefusedError('bad-proof', 'the proof is not signed by the key of the certificate presented');
  }
}
