import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { Metadata, Signature, type Key, type Root, type Snapshot, type Targets, type Timestamp } from '@tufjs/models';
import { ed25519Key, tufRoles, type RoleKeyMap, type TufRoleName } from '@keelson/tuf';
import type { RoleKeyPems } from './key-files.js';

/** The keys of one fleet: the public keys its root names, and a way to sign as each role. */
export interface FleetKeys {
  keys: RoleKeyMap;
  /** Canonicalizes `signed` (TUF spec 4.2: the signature covers the canonical JSON) and signs it as `role`. */
  sign(role: TufRoleName, signed: Root | Targets | Snapshot | Timestamp): Promise<Record<string, unknown>>;
}

interface LoadedKey {
  key: Key;
  privateKey: KeyObject;
}

/** Four fresh ed25519 private keys, one per role, as PKCS#8 PEM. */
export function generateKeyPems(): RoleKeyPems {
  const pem = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return Object.fromEntries(tufRoles.map((role) => [role, pem()])) as RoleKeyPems;
}

/** Signs with the given private keys (ed25519 over the canonical JSON of the signed part). */
export function fleetKeysFrom(pems: RoleKeyPems): FleetKeys {
  const byRole = Object.fromEntries(tufRoles.map((role) => [role, loadKey(pems[role])])) as Record<TufRoleName, LoadedKey>;
  return {
    keys: Object.fromEntries(tufRoles.map((role) => [role, byRole[role].key])) as RoleKeyMap,
    async sign(role, signed) {
      const { key, privateKey } = byRole[role];
      const bytes = Buffer.from(canonicalize(signed.toJSON()));
      const metadata = new Metadata(signed);
      metadata.signatures[key.keyID] = new Signature({ keyID: key.keyID, sig: sign(null, bytes, privateKey).toString('hex') });
      return metadata.toJSON() as Record<string, unknown>;
    },
  };
}

function loadKey(pem: string): LoadedKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('TUF keys of the signer are ed25519');
  // The SPKI DER of an ed25519 key is a fixed 12-byte header followed by the raw 32-byte key.
  const raw = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(12);
  return { key: ed25519Key(raw.toString('hex')), privateKey };
}
