import type { EventStore } from '@keelson/event-store';
import type { OperatorEvent } from '@keelson/events';
import { recordSecretRotation } from '@keelson/service-kit';
import type { FleetKeyring, OpenedFleets } from './fleet-keyring.js';
import { keySecretName } from './key-files.js';

/** Where the signer records the rotations of its key secret: `ev.signer.<auditFleet>.signer-key` (never under `ev.tuf`, which the facade reads as TUF only). */
export const signerKeySubject = (store: EventStore<OperatorEvent>, auditFleet: string): string =>
  store.subject('signer', auditFleet, 'signer-key');

/**
 * Opens every fleet's keys at start; during a rotation of `KEELSON_SIGNER_KEY_SECRET` (while
 * `_PREVIOUS` holds the old one) that re-seals each key file under the new secret. When any was
 * re-sealed, records `PlatformSecretRotated` as the signer: the variable's name and the number of
 * keys, never a secret. A restart with nothing left to re-seal records nothing; a file neither secret
 * opens refuses the start (`SealedKeyRefused`, naming both variables) and records nothing.
 */
export async function rotateSignerKeys(
  keyring: FleetKeyring,
  store: EventStore<OperatorEvent>,
  auditFleet: string,
  now: () => Date,
): Promise<OpenedFleets> {
  const opened = await keyring.openAll();
  if (opened.resealed === 0) return opened;
  await recordSecretRotation(store, signerKeySubject(store, auditFleet), {
    fleet: auditFleet,
    credential: keySecretName,
    service: 'signer',
    keys: opened.resealed,
    rotatedAt: now().toISOString(),
  });
  return opened;
}
