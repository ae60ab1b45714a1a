import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { Clock } from '@keelson/service-kit';
import { DeviceAccessRefusal } from '@keelson/events';
import { deviceRefusals } from '../http/registry.metrics.js';
import type { AuthenticatedDevice, DeviceCertificateCheck } from './device-certificate-check.js';
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
  constructor(
    private readonly check: DeviceCertificateCheck,
    private readonly refusals: DeviceRefusalLog,
    private readonly clock: Clock,
  ) {}

  /** The device asking, if it may read `fleet`; a 401 or 403 HttpFailure otherwise. */
  async admit(req: IncomingMessage, fleet: string): Promise<AuthenticatedDevice> {
    try {
      const socket = req.socket;
      if (!(socket instanceof TLSSocket)) throw deviceRefused('device.tls-required');
      return await this.check.admit(socket.getPeerX509Certificate(), fleet);
    } catch (err) {
      if (err instanceof DeviceRefused) this.refused(err, req, fleet);
      throw err;
    }
  }

  private refused(err: DeviceRefused, req: IncomingMessage, fleet: string): void {
    deviceRefusals().inc({ reason: err.code });
    const reason = DeviceAccessRefusal.safeParse(err.code);
    if (!err.certificate || !reason.success) return;
    this.refusals.record({ reason: reason.data, certificate: err.certificate, requestedFleet: fleet, url: req.url ?? '/', at: this.clock.now() });
  }
}

export type { AuthenticatedDevice };
