import type { EventStore } from '@keelson/event-store';
import type { OperatorEvent } from '@keelson/events';
import { recordSecretRotation } from '@keelson/service-kit';
import type { DeviceCertificateAuthority } from './device-ca.js';

/**
 * Re-seals the fleets' CA keys under a new `KEELSON_DEVICE_CA_KEY_SECRET` (while `_PREVIOUS` holds the
 * old one) and, when any was re-sealed, records `PlatformSecretRotated` on
 * `ev.enrollment.<auditFleet>.device-ca-key` as the gateway: the variable's name and the number of keys,
 * never a secret. Returns how many keys were re-sealed; a restart with nothing left to re-seal records nothing.
 */
export async function rotateDeviceCaKeys(
  ca: DeviceCertificateAuthority,
  store: EventStore<OperatorEvent>,
  auditFleet: string,
  now: Date,
): Promise<number> {
  const keys = await ca.resealKeys();
  if (keys === 0) return 0;
  await recordSecretRotation(store, store.subject('enrollment', auditFleet, 'device-ca-key'), {
    fleet: auditFleet,
    credential: 'KEELSON_DEVICE_CA_KEY_SECRET',
    service: 'device-gateway',
    keys,
    rotatedAt: now.toISOString(),
  });
  return keys;
}
