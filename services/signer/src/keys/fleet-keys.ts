import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { Metadata, Signature, type Key, type Root, type Snapshot, type Targets, type Timestamp } from '@tufjs/models';
import { ed25519Key, tufRoles, type RoleKeyMap, type TufRoleName } from '@keelson/tuf';
import type { RoleKeyPems, StoredKey } from './key-files.js';

type AnySigned = Root | Targets | Snapshot | Timestamp;

/** One private key the signer holds, with the public TUF key a root names. */
export interface HeldKey {
  role: TufRoleName;
  key: Key;
  privateKey: KeyObject;
}

/** The keys of one fleet: the public keys a new root names, and a way to sign as each role. */
export interface FleetKeys {
  /** The first held key of each role that has one (a new repository's root names these). */
  keys: RoleKeyMap;
  held: HeldKey[];
  /** True when the signer holds a key of `role` (production fleets hold none for root). */
  holds(role: TufRoleName): boolean;
  /**
   * Canonicalizes `signed` (TUF spec 4.2: the signature covers the canonical JSON) and signs it
   * with every held key of `role`. Verifiers ignore signatures by keys their root does not name, so
   * while a rotation is pending the old and the new key both sign.
   */
  sign(role: TufRoleName, signed: AnySigned): Promise<Record<string, unknown>>;
  /** Adds signatures of the held keys of `role` to signed metadata JSON (a root counter-signed on import). */
  countersign(role: TufRoleName, metadata: Metadata<AnySigned>): Metadata<AnySigned>;
}

/** A fresh ed25519 private key as PKCS#8 PEM. */
export function generateKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** Four fresh ed25519 private keys, one per role, as PKCS#8 PEM. */
export function generateKeyPems(): RoleKeyPems {
  return Object.fromEntries(tufRoles.map((role) => [role, generateKeyPem()])) as RoleKeyPems;
}

/** The public TUF key (and so the key id) of a PKCS#8 ed25519 private key. */
export function publicKeyOf(pem: string): { key: Key; privateKey: KeyObject } {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('TUF keys of the signer are ed25519');
  // The SPKI DER of an ed25519 key is a fixed 12-byte header followed by the raw 32-byte key.
  const raw = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(12);
  return { key: ed25519Key(raw.toString('hex')), privateKey };
}

/** A stored key for `pem`, named by its key id. */
export function storedKeyOf(role: TufRoleName, pem: string): StoredKey {
  return { role, keyId: publicKeyOf(pem).key.keyID, pem };
}

/** Signs with the given private keys: one per role (a fresh set), or whatever the fleet holds. */
export function fleetKeysFrom(pems: RoleKeyPems | StoredKey[]): FleetKeys {
  const stored = Array.isArray(pems) ? pems : tufRoles.map((role) => storedKeyOf(role, pems[role]));
  const held: HeldKey[] = stored.map((s) => ({ role: s.role, ...publicKeyOf(s.pem) }));
  const ofRole = (role: TufRoleName) => held.filter((h) => h.role === role);
  const keys = Object.fromEntries(tufRoles.flatMap((role) => (ofRole(role)[0] ? [[role, ofRole(role)[0]!.key]] : []))) as RoleKeyMap;
  const countersign: FleetKeys['countersign'] = (role, metadata) => {
    const signers = ofRole(role);
    if (signers.length === 0) throw new Error(`the signer holds no ${role} key for this fleet`);
    const bytes = Buffer.from(canonicalize(metadata.signed.toJSON()));
    for (const { key, privateKey } of signers) {
      metadata.signatures[key.keyID] = new Signature({ keyID: key.keyID, sig: sign(null, bytes, privateKey).toString('hex') });
    }
    return metadata;
  };
  return {
    keys,
    held,
    holds: (role) => ofRole(role).length > 0,
    async sign(role, signed) {
      return countersign(role, new Metadata(signed)).toJSON() as Record<string, unknown>;
    },
    countersign,
  };
}
