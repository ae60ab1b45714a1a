import type { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { Clock } from '@keelson/service-kit';
import { DeviceAccessRefusal } from '@keelson/events';
import { deviceRefusals } from '../http/registry.metrics.js';
import type { AuthenticatedDevice, DeviceCertificateCheck } from './device-certificate-check.js';
import { fingerprintOf } from './device-certificate.js';
import type { DeviceRefusalLog } from './device-refusal-log.js';
import { deviceRefused, DeviceRefused } from './device-refusals.js';

/**
 * The device-facing routes' door: the device is the holder of the certificate it presented in the
 * TLS handshake (mutual TLS), never a name it sends. Without TLS the facade has no way to tell
 * devices apart, so every device request is refused (`device.tls-required`): a plain-HTTP facade
 * serves uploads from the api and nothing to devices. Every refusal is counted by reason; every
 * refusal of a presented certificate is also logged for the audit (budgeted, see DeviceRefusalLog).
 */
export class DeviceAuthenticator {
  /** The certificate each TLS 1.3 connection presented, read once per connection (see `presentedOn`). */
  private readonly byConnection = new WeakMap<TLSSocket, X509Certificate>();

  constructor(
    private readonly check: DeviceCertificateCheck,
    private readonly refusals: DeviceRefusalLog,
    private readonly clock: Clock,
  ) {}

  /** The device asking, if it may read `fleet`; a 401 or 403 HttpFailure otherwise. */
  admit(req: IncomingMessage, fleet: string): Promise<AuthenticatedDevice> {
    return this.admitted(req, fleet, (cert) => this.check.admit(cert, fleet));
  }

  /**
   * The device asking, of whichever fleet its certificate proves (a 401 otherwise): for routes that
   * name no fleet (the OCI pulls), which then serve only what that fleet has.
   */
  authenticate(req: IncomingMessage): Promise<AuthenticatedDevice> {
    return this.admitted(req, '', (cert) => this.check.authenticate(cert));
  }

  /**
   * Logs for the audit, and counts, an authenticated device reaching for another fleet's content
   * through a route that names no fleet (a digest another fleet published). The device is answered
   * as if nothing were there; its own fleet's log says what it asked for, naming no other fleet.
   */
  reportOtherFleetRead(req: IncomingMessage, device: AuthenticatedDevice): void {
    const socket = req.socket;
    const cert = socket instanceof TLSSocket ? this.presentedOn(socket) : undefined;
    if (!cert) return;
    const certificate = {
      fingerprint: fingerprintOf(cert),
      claim: { fleet: device.fleet, deviceId: device.deviceId },
      issuedByFleetCa: true,
    };
    this.refused(new DeviceRefused('device.wrong-fleet', certificate), req, device.fleet);
  }

  private async admitted(
    req: IncomingMessage,
    fleet: string,
    check: (cert: X509Certificate | undefined) => Promise<AuthenticatedDevice>,
  ): Promise<AuthenticatedDevice> {
    try {
      const socket = req.socket;
      if (!(socket instanceof TLSSocket)) throw deviceRefused('device.tls-required');
      return await check(this.presentedOn(socket));
    } catch (err) {
      if (err instanceof DeviceRefused) this.refused(err, req, fleet);
      throw err;
    }
  }

  /**
   * The client certificate of the connection's handshake. TLS 1.3 has no renegotiation, so a TLS 1.3
   * connection's certificate is fixed for its life and read (a new X509Certificate, its DER copied
   * out) once, not at each of a device's requests on it; a TLS 1.2 one is read at every request (a
   * renegotiation could present another). Only the reading is kept: the certificate is checked at
   * every request all the same.
   */
  private presentedOn(socket: TLSSocket): X509Certificate | undefined {
    const known = this.byConnection.get(socket);
    if (known) return known;
    const cert = socket.getPeerX509Certificate();
    if (cert && socket.getProtocol() === 'TLSv1.3') this.byConnection.set(socket, cert);
    return cert;
  }

  private refused(err: DeviceRefused, req: IncomingMessage, fleet: string): void {
    deviceRefusals().inc({ reason: err.code });
    const reason = DeviceAccessRefusal.safeParse(err.code);
    if (!err.certificate || !reason.success) return;
    this.refusals.record({
      reason: reason.data,
      certificate: err.certificate,
      requestedFleet: fleet,
      url: req.url ?? '/',
      at: this.clock.now(),
    });
  }
}

export type { AuthenticatedDevice };
