import type { X509Certificate } from 'node:crypto';
import type { Clock } from '@keelson/service-kit';
import { fingerprintOf, isIssuedByAny, readDeviceCertificate } from './device-certificate.js';
import { deviceRefused, type DeviceRefusal } from './device-refusals.js';
import { derKeyOf, VerifiedCertificates } from './verified-certificates.js';

/** A device the facade authenticated by its certificate: the identity the device cannot choose. */
export interface AuthenticatedDevice {
  fleet: string;
  deviceId: string;
}

/** What the gateway says of a device's certificates (`cmd.gateway.get-device-certificate`); null for a device it does not know. */
export interface CurrentCertificate {
  status: 'active' | 'decommissioned';
  certificateFingerprint: string;
}

export interface DeviceCertificateCheckOptions {
  /** The fleet's device CA certificates (empty: the fleet has none). */
  casOf: (fleet: string) => Promise<X509Certificate[]>;
  /** The device's current certificate as the gateway knows it; a seam only for the transport, not the logic. */
  currentOf: (fleet: string, deviceId: string) => Promise<CurrentCertificate | null>;
  clock: Clock;
  /** How long a device's current certificate is trusted without asking; a revocation takes at most this long if the feed is down. */
  ttlMs?: number;
  capacity?: number;
}

interface Remembered extends AuthenticatedDevice {
  fingerprint: string;
  until: number;
}

/**
 * Authenticates a device by the certificate it presented in the TLS handshake (which proved it holds
 * the key): a Keelson device certificate, issued by its fleet's device CA, inside its validity
 * period, and the device's CURRENT certificate (an older one, superseded by renewal or
 * re-enrollment, is refused), of a device that is not decommissioned. The gateway's word on the
 * current certificate is remembered briefly per device, keyed by fingerprint, so a fleet
 * downloading at once does not send one NATS request per file; a renewed certificate has a new
 * fingerprint and is asked about, and accepted, at once. The X.509 reading and the signature check
 * are remembered per certificate DER and per CA list (VerifiedCertificates); the validity period is
 * checked against the clock on every request.
 */
export class DeviceCertificateCheck {
  private readonly remembered = new Map<string, Remembered>();
  /** Devices forgotten (decommissioned, re-enrolled, renewed) with a count, so a check already in flight is not remembered. */
  private readonly forgotten = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly capacity: number;
  private readonly verified: VerifiedCertificates;

  constructor(private readonly o: DeviceCertificateCheckOptions) {
    this.ttlMs = o.ttlMs ?? 30_000;
    this.capacity = o.capacity ?? 10_000;
    this.verified = new VerifiedCertificates(this.capacity);
  }

  /** How many certificates are remembered as verified (bounded by `capacity`). */
  get verifiedCount(): number {
    return this.verified.size;
  }

  /** The device behind `cert` if it belongs to `fleet`; 401 for any certificate refusal, 403 for another fleet's device. */
  async admit(cert: X509Certificate | undefined, fleet: string): Promise<AuthenticatedDevice> {
    const device = await this.authenticate(cert);
    if (device.fleet !== fleet) throw deviceRefused('device.wrong-fleet', { fingerprint: fingerprintOf(cert!), claim: device, issuedByFleetCa: true });
    return device;
  }

  /**
   * The device behind a presented client certificate; a 401 DeviceRefused (or ServiceError
   * `Unavailable`) otherwise. The issuer is checked before the validity period, so only a
   * certificate of the fleet's own CA is ever called expired, superseded or decommissioned: those
   * name a device for sure, an untrusted one names only what it claims.
   */
  async authenticate(cert: X509Certificate | undefined): Promise<AuthenticatedDevice> {
    if (!cert) throw deviceRefused('device.certificate-required');
    const now = this.o.clock.now().getTime();
    const der = derKeyOf(cert);
    const known = this.verified.recall(der, now);
    const presented = known?.presented ?? readDeviceCertificate(cert);
    if (!presented) throw deviceRefused('device.certificate-untrusted', { fingerprint: fingerprintOf(cert), issuedByFleetCa: false });
    const { fleet, deviceId, fingerprint } = presented;
    const claim = { fleet, deviceId };
    const cas = await this.o.casOf(fleet);
    // Verified against these very CAs before: the signature check is skipped, nothing else is.
    const verifiedBefore = known !== undefined && known.cas === cas;
    if (!verifiedBefore && !isIssuedByAny(cert, cas)) throw deviceRefused('device.certificate-untrusted', { fingerprint, claim, issuedByFleetCa: false });
    const refused = (code: DeviceRefusal) => deviceRefused(code, { fingerprint, claim, issuedByFleetCa: true });
    if (now < presented.notBefore.getTime() || now > presented.notAfter.getTime()) throw refused('device.certificate-expired');
    if (!verifiedBefore) this.verified.remember(der, presented, cas);
    const hit = this.remembered.get(deviceId);
    if (hit && hit.until > now && hit.fingerprint === fingerprint && hit.fleet === fleet) return { fleet, deviceId };
    const forgottenBefore = this.forgotten.get(deviceId);
    const current = await this.o.currentOf(fleet, deviceId);
    if (!current) throw refused('device.certificate-untrusted'); // signed by the CA, unknown to the gateway
    if (current.status === 'decommissioned') throw refused('device.decommissioned');
    if (current.certificateFingerprint !== fingerprint) throw refused('device.certificate-superseded');
    // The gateway answered before the device's certificate changed: answer, but do not remember it.
    if (this.forgotten.get(deviceId) !== forgottenBefore) return { fleet, deviceId };
    this.remembered.delete(deviceId);
    if (this.remembered.size >= this.capacity) this.remembered.delete(this.remembered.keys().next().value!);
    this.remembered.set(deviceId, { fleet, deviceId, fingerprint, until: now + this.ttlMs });
    return { fleet, deviceId };
  }

  /** Drops what is remembered of a device whose certificate changed or was revoked; its next request asks again. */
  forget(deviceId: string): void {
    this.remembered.delete(deviceId);
    const times = (this.forgotten.get(deviceId) ?? 0) + 1;
    this.forgotten.delete(deviceId); // re-inserted last, so the oldest entry is the first to go
    if (this.forgotten.size >= this.capacity) this.forgotten.delete(this.forgotten.keys().next().value!);
    this.forgotten.set(deviceId, times);
  }
}
