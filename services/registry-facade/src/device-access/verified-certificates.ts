import type { X509Certificate } from 'node:crypto';
import { BoundedMap } from '../memory/bounded-map.js';
import type { PresentedCertificate } from './device-certificate.js';

export interface Verified {
  presented: PresentedCertificate;
  /** The fleet's CA list (as FleetDeviceCas handed it out) one of which issued the certificate. */
  cas: readonly X509Certificate[];
}

/**
 * Device certificates already read and verified against their fleet's CAs, keyed by the exact DER
 * the device presented, so a device's next requests skip the X.509 parse and the signature check.
 * A result holds only for the CA list it was checked against: FleetDeviceCas hands out a new list
 * when it learns the fleet's CAs again, and a certificate is then checked again (a removed or
 * rotated CA no longer vouches for it). An entry is dropped at the certificate's notAfter. What can
 * change for a valid certificate (the validity period against the clock, the device's current
 * certificate, decommissioning) is not kept here: DeviceCertificateCheck asks it on every request.
 */
export class VerifiedCertificates {
  private readonly verified: BoundedMap<Verified>;

  constructor(capacity = 10_000) {
    this.verified = new BoundedMap({ maxEntries: capacity });
  }

  /**
   * The certificate with this DER as it was read, and the CA list it was verified against; none once
   * `now` is past its notAfter. The caller compares that list with the fleet's current one.
   */
  recall(der: string, now: number): Verified | undefined {
    const hit = this.verified.get(der);
    if (hit && now > hit.presented.notAfter.getTime()) {
      this.verified.delete(der);
      return undefined;
    }
    return hit;
  }

  remember(der: string, presented: PresentedCertificate, cas: readonly X509Certificate[]): void {
    this.verified.set(der, { presented, cas });
  }

  get size(): number {
    return this.verified.size;
  }
}

const derKeys = new WeakMap<X509Certificate, string>();

/**
 * The map key of a certificate: its DER, byte for byte (latin1 keeps one character per byte). Made
 * once per X509Certificate object (a connection's certificate is read once: DeviceAuthenticator),
 * so the same string, its hash already computed, is looked up at each request.
 */
export function derKeyOf(cert: X509Certificate): string {
  let key = derKeys.get(cert);
  if (key === undefined) derKeys.set(cert, (key = cert.raw.toString('latin1')));
  return key;
}
