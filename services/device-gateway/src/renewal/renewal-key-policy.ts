import type { ServiceConfig } from '@keelson/service-kit';
import { RenewalRefusedError } from './renewal-refused.error.js';

/**
 * Which key a renewal may certify (`KEELSON_DEVICE_RENEWAL_KEY`): `any` (default) lets a device keep
 * its key or rotate it; `rotate` insists on a new key at every renewal, so a key stolen unnoticed
 * stops working at the next renewal of the device it was stolen from.
 */
export type RenewalKeyPolicy = 'any' | 'rotate';

export function renewalKeyPolicyOf(config: ServiceConfig): RenewalKeyPolicy {
  const raw = config.env.KEELSON_DEVICE_RENEWAL_KEY || 'any';
  if (raw !== 'any' && raw !== 'rotate')
    throw new Error(`device-gateway: KEELSON_DEVICE_RENEWAL_KEY must be 'any' or 'rotate', got '${raw}'`);
  return raw;
}

const sameBytes = (a: ArrayBuffer, b: ArrayBuffer): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/**
 * Whether the CSR's key (SubjectPublicKeyInfo, DER) is a new one compared to the certificate being
 * renewed; refuses keeping the key when the policy asks for rotation.
 */
export function checkRenewalKey(policy: RenewalKeyPolicy, currentKeyDer: ArrayBuffer, nextKeyDer: ArrayBuffer): { keyRotated: boolean } {
  const keyRotated = !sameBytes(currentKeyDer, nextKeyDer);
  if (!keyRotated && policy === 'rotate') {
    throw new RenewalRefusedError(
      'key-not-rotated',
      'this platform renews certificates only for a new key: make a new key and send a CSR for it',
    );
  }
  return { keyRotated };
}
