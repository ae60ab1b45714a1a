import { Key, Root } from '@tufjs/models';
import { specVersion, type TufRoleName } from './next-metadata.js';

/** The keys a new root trusts for one role, and how many of them must sign. */
export interface RoleTrust {
  keys: Key[];
  threshold: number;
}

/**
 * The next root after `base` with the trust of some roles replaced (a root ceremony, an online key
 * rotation): every other role keeps its keys, keys no role names any more are dropped (they are
 * revoked: a device that takes this root refuses their signatures), version and expiry as given.
 */
export function rootWithRoleKeys(base: Root, changes: Partial<Record<TufRoleName, RoleTrust>>, version: number, expires: string): Root {
  const json = base.toJSON() as { keys: Record<string, unknown>; roles: Record<string, { keyids: string[]; threshold: number }> };
  const keys: Record<string, unknown> = { ...json.keys };
  const roles = { ...json.roles };
  for (const [role, trust] of Object.entries(changes) as [TufRoleName, RoleTrust][]) {
    if (trust.threshold < 1 || trust.threshold > trust.keys.length) {
      throw new Error(`the ${role} threshold must be between 1 and the number of its keys (${trust.keys.length}), not ${trust.threshold}`);
    }
    roles[role] = { keyids: trust.keys.map((k) => k.keyID), threshold: trust.threshold };
    for (const k of trust.keys) keys[k.keyID] = k.toJSON();
  }
  const named = new Set(Object.values(roles).flatMap((r) => r.keyids));
  for (const id of Object.keys(keys)) if (!named.has(id)) delete keys[id];
  return Root.fromJSON({ ...base.toJSON(), _type: 'root', spec_version: specVersion, version, expires, keys, roles } as never);
}

/** The public key of a key id that `root` names (to carry a key from one root into the next). */
export function keyOf(root: Root, keyId: string): Key {
  const key = root.keys[keyId];
  if (!key) throw new Error(`the root names no key ${keyId}`);
  return key;
}

/** A TUF public key from its JSON form (`keytype`, `scheme`, `keyval`), with its key id. */
export function keyFromJSON(keyId: string, json: Record<string, unknown>): Key {
  return Key.fromJSON(keyId, json as never);
}
