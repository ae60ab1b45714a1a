import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { Metadata, Root, Signature, type Key, type Snapshot, type Targets, type Timestamp } from '@tufjs/models';
import { ed25519Key, expiresAt, specVersion, tufRoles, type RoleKeyMap, type TufRoleName } from '../index.js';

/** An ed25519 key pair as a TUF key (our key id rule, from `@keelson/tuf`) with its private half. */
export interface SigningKey {
  key: Key;
  privateKey: KeyObject;
}

/** The keys of each top-level role; a role's threshold is 1 but for root (see `rootOf`). */
export type RoleSigningKeys = Record<TufRoleName, SigningKey[]>;

export type AnySigned = Root | Targets | Snapshot | Timestamp;

export const day = 86_400;

export function newSigningKey(): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { key: ed25519Key(publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex')), privateKey };
}

export function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `body` signed by every key of `keys`, each over the canonical JSON of `signed` (TUF spec 4.2). */
export function signedBy<T extends AnySigned>(body: T, keys: SigningKey[]): Metadata<T> {
  const metadata = new Metadata(body);
  for (const k of keys) {
    metadata.sign((data) => new Signature({ keyID: k.key.keyID, sig: sign(null, data, k.privateKey).toString('hex') }), true);
  }
  return metadata;
}

/** The bytes a facade serves for `metadata`. */
export function servedBytes(metadata: Metadata<AnySigned>): Buffer {
  return Buffer.from(JSON.stringify(metadata.toJSON()));
}

/**
 * A root (consistent snapshots, valid a year) naming `keys` for each role, threshold 1 but for
 * root, whose threshold is `rootThreshold`: 2 of 2 is the production ceremony's shape.
 */
export function rootOf(version: number, keys: RoleSigningKeys, rootThreshold: number): Root {
  // @tufjs/models does not export Role: a threshold other than 1 goes in through the JSON form.
  return Root.fromJSON({
    _type: 'root',
    spec_version: specVersion,
    version,
    expires: expiresAt(new Date(), 365 * day),
    consistent_snapshot: true,
    keys: Object.fromEntries(tufRoles.flatMap((role) => keys[role].map((k) => [k.key.keyID, k.key.toJSON()]))),
    roles: Object.fromEntries(
      tufRoles.map((role) => [role, { keyids: keys[role].map((k) => k.key.keyID), threshold: role === 'root' ? rootThreshold : 1 }]),
    ),
  });
}

/** Real ed25519 keys for the four roles, one each, for specs that sign and verify for real. */
export interface TestRoleKeys {
  keys: RoleKeyMap;
  privateKeys: Record<TufRoleName, KeyObject>;
}

export function generateRoleKeys(): TestRoleKeys {
  const keys = {} as RoleKeyMap;
  const privateKeys = {} as Record<TufRoleName, KeyObject>;
  for (const role of tufRoles) {
    const { key, privateKey } = newSigningKey();
    keys[role] = key;
    privateKeys[role] = privateKey;
  }
  return { keys, privateKeys };
}

/** Signs `signed` with the private key of `role` over its canonical JSON. */
export function signAs<T extends AnySigned>(k: TestRoleKeys, role: TufRoleName, signed: T): Metadata<T> {
  const metadata = new Metadata(signed);
  const sig = sign(null, Buffer.from(canonicalize(signed.toJSON())), k.privateKeys[role]).toString('hex');
  metadata.signatures[k.keys[role].keyID] = new Signature({ keyID: k.keys[role].keyID, sig });
  return metadata;
}
