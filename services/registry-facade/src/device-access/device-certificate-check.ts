import type { X509Certificate } from 'node:crypto';
import type { Clock } from '@keelson/service-kit';
import { CurrentCertificates, type KnownCertificate } from './current-certificates.js';
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
  /**
   * How long the gateway's word on a device's current certificate is trusted without asking while
   * the device events are not followed (see CurrentCertificates); 0: ask on every request.
   */
  ttlMs?: number;
  capacity?: number;
}

/**
 * Authenticates a device by the certificate it presented in the TLS handshake (which proved it holds
 * the key): a Keelson device certificate, issued by its fleet's device CA, inside its validity
 * period, and the device's CURRENT certificate (an older one, superseded by renewal or
 * re-enrollment, is refused), of a device that is not decommissioned. The gateway's word on the
 * current certificate is remembered per device, keyed by fingerprint, so a fleet downloading at
 * once does not send one NATS request per file; while the facade follows the device events it is
 * also learnt from them (an enrollment) and kept until an event revokes it (CurrentCertificates).
 * A renewed certificate has a new fingerprint and is asked about, and accepted, at once. The X.509 reading and the signature check
 * are remembered per certificate DER and per CA list (VerifiedCertificates); the validity period is
 * checked against the clock on every request.
 */
export class DeviceCertificateCheck {
  private readonly verified: VerifiedCertificates;
  /** The devices' current certificates as known; the feed of device events tells it what changes. */
  readonly current: CurrentCertificates;

  constructor(private readonly o: DeviceCertificateCheckOptions) {
    const capacity = o.capacity ?? 10_000;
    this.current = new CurrentCertificates(o.ttlMs ?? 30_000, capacity);
    this.verified = new VerifiedCertificates(capacity);
  }

  /** How many certificates are remembered as verified (bounded by `capacity`). */
  get verifiedCount(): number {
    return this.verified.size;
  }

  /** The device behind `cert` if it belongs to `fleet`; 401 for any certificate refusal, 403 for another fleet's device. */
  async admit(cert: X509Certificate | undefined, fleet: string): Promise<AuthenticatedDevice> {
    const device = await this.authenticate(cert);
    if (device.fleet !== fleet)
      throw deviceRefused('device.wrong-fleet', { fingerprint: fingerprintOf(cert!), claim: device, issuedByFleetCa: true });
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
    if (!verifiedBefore && !isIssuedByAny(cert, cas))
      throw deviceRefused('device.certificate-untrusted', { fingerprint, claim, issuedByFleetCa: false });
    const refused = (code: DeviceRefusal) => deviceRefused(code, { fingerprint, claim, issuedByFleetCa: true });
    if (now < presented.notBefore.getTime() || now > presented.notAfter.getTime()) throw refused('device.certificate-expired');
    if (!verifiedBefore) this.verified.remember(der, presented, cas);
    const hit = this.current.recall(deviceId, now);
    if (hit && hit.fingerprint === fingerprint && hit.fleet === fleet) return { fleet, deviceId };
    const since = this.current.mark(deviceId);
    const current = await this.o.currentOf(fleet, deviceId);
    if (!current) throw refused('device.certificate-untrusted'); // signed by the CA, unknown to the gateway
    if (current.status === 'decommissioned') throw refused('device.decommissioned');
    if (current.certificateFingerprint !== fingerprint) throw refused('device.certificate-superseded');
    // Not kept if the device's certificate changed while the gateway answered.
    this.current.rememberAnswer({ fleet, deviceId, fingerprint }, since, now);
    return { fleet, deviceId };
  }

  /** Drops what is remembered of a device whose certificate changed or was revoked; its next request asks again. */
  forget(deviceId: string): void {
    this.current.forget(deviceId);
  }

  /** A device enrolled with this certificate (from the device events): current until an event revokes it. */
  learn(device: KnownCertificate): void {
    this.current.learn(device);
  }
}
