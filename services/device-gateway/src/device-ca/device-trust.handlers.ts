import { gateway } from '@keelson/commands';
import { NotFound } from '@keelson/domain-kit';
import { handlerFor, type CommandHandler } from '@keelson/service-kit';
import type { Devices } from '../devices/devices.js';
import type { DeviceCertificateAuthority } from './device-ca.js';

/**
 * `cmd.gateway.get-device-ca`: the fleet's CA certificate, public part only. A fleet without a CA
 * is NotFound: a relying party naming any fleet must not make the gateway create a CA for it.
 */
export function getDeviceCaHandler(ca: DeviceCertificateAuthority): CommandHandler<typeof gateway.getDeviceCa> {
  return handlerFor(gateway.getDeviceCa, async ({ fleet }) => {
    const cert = await ca.existingCaCertificate(fleet);
    if (!cert) throw new NotFound('device-ca', fleet);
    return { fleet, certificates: [cert.toString('pem')] };
  });
}

/**
 * `cmd.gateway.get-device-certificate`: the fingerprint of the device's latest certificate, read
 * from its own stream (not a projection), so a certificate the gateway just issued by renewal or
 * re-enrollment is current for the next request that presents it.
 */
export function getDeviceCertificateHandler(devices: Devices): CommandHandler<typeof gateway.getDeviceCertificate> {
  return handlerFor(gateway.getDeviceCertificate, async ({ fleet, deviceId }) => {
    const device = await devices.current(fleet, deviceId);
    if (device.status === 'absent') throw new NotFound('device', deviceId);
    return { fleet, deviceId, status: device.status, certificateFingerprint: device.certificateFingerprint };
  });
}
