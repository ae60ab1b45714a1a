import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { deviceRefusals } from '../http/registry.metrics.js';
import type { AuthenticatedDevice, DeviceCertificateCheck } from './device-certificate-check.js';
import { deviceRefused, refusalOf } from './device-refusals.js';

/**
 * The device-facing routes' door: the device is the holder of the certificate it presented in the
 * TLS handshake (mutual TLS), never a name it sends. Without TLS the facade has no way to tell
 * devices apart, so every device request is refused (`device.tls-required`): a plain-HTTP facade
 * serves uploads from the api and nothing to devices. Every refusal is counted by reason.
 */
export class DeviceAuthenticator {
  constructor(private readonly check: DeviceCertificateCheck) {}

  /** The device asking, if it may read `fleet`; a 401 or 403 HttpFailure otherwise. */
  async admit(req: IncomingMessage, fleet: string): Promise<AuthenticatedDevice> {
    try {
      const socket = req.socket;
      if (!(socket instanceof TLSSocket)) throw deviceRefused('device.tls-required');
      return await this.check.admit(socket.getPeerX509Certificate(), fleet);
    } catch (err) {
      const reason = refusalOf(err);
      if (reason) deviceRefusals().inc({ reason });
      throw err;
    }
  }

  /** Drops what is remembered of a device whose certificate changed or was revoked. */
  forget(deviceId: string): void {
    this.check.forget(deviceId);
  }
}

export type { AuthenticatedDevice };
