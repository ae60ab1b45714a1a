import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { Metadata, Signature, type Root, type Snapshot, type Targets, type Timestamp } from '@tufjs/models';
import { ed25519Key } from '../keys.js';
import { tufRoles, type RoleKeyMap, type TufRoleName } from '../next-metadata.js';

/** Real ed25519 keys for the four roles, for specs that sign and verify for real. */
export interface TestRoleKeys {
  keys: RoleKeyMap;
  privateKeys: Record<TufRoleName, KeyObject>;
}

export function generateRoleKeys(): TestRoleKeys {
  const keys = {} as RoleKeyMap;
  const privateKeys = {} as Record<TufRoleName, KeyObject>;
  for (const role of tufRoles) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    keys[role] = ed25519Key(publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex'));
    privateKeys[role] = privateKey;
  }
  return { keys, privateKeys };
}

/** Signs `signed` with the private key of `role` over its canonical JSON. */
export function signAs<T extends Root | Targets | Snapshot | Timestamp>(k: TestRoleKeys, role: TufRoleName, signed: T): Metadata<T> {
  const metadata = new Metadata(signed);
  const sig = sign(null, Buffer.from(canonicalize(signed.toJSON())), k.privateKeys[role]).toString('hex');
  metadata.signatures[k.keys[role].keyID] = new Signature({ keyID: k.keys[role].keyID, sig });
  return metadata;
}
