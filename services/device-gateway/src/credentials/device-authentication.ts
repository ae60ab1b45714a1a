import { gateway } from '@keelson/commands';
import { handlerFor, ServiceError, type CommandHandler } from '@keelson/service-kit';
import type { DeviceCredentialsStore } from './device-credentials.store.js';
import { isDevicePassword } from './device-password.js';

const deviceIdPattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

// One refusal for every reason: telling a caller whether the device exists or the password was
// wrong would let it enumerate device ids.
const refusal = () => new ServiceError('Unauthorized', 'device.unauthenticated', 'the device credentials were not accepted');

/**
 * Checks what a device presents to the registry facade (HTTP Basic: device id and the broker
 * password from enrollment) against `device_credentials`. Revoked (decommissioned) devices are refused.
 */
export async function authenticateDevice(credentials: DeviceCredentialsStore, deviceId: string, password: string): Promise<{ fleet: string; deviceId: string }> {
  if (!deviceIdPattern.test(deviceId)) throw refusal();
  const found = await credentials.find(deviceId);
  if (!found || found.revoked || !isDevicePassword(password, found.password)) throw refusal();
  return { fleet: found.fleet, deviceId: found.deviceId };
}

/** `cmd.gateway.authenticate-device`, answered from the credentials store. */
export function authenticateDeviceHandler(credentials: DeviceCredentialsStore): CommandHandler<typeof gateway.authenticateDevice> {
  return handlerFor(gateway.authenticateDevice, (input) => authenticateDevice(credentials, input.deviceId, input.password));
}
