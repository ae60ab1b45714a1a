import { expiresAt, nextSnapshot, nextTargets, nextTimestamp, rootWithRoleKeys, tufRoles, type TufLifetimes, type TufRoleName } from '@keelson/tuf';
import type { Key } from '@tufjs/models';
import type { FleetKeys } from '../keys/fleet-keyring.js';
import { readMetadata } from './metadata-checks.js';
import { currentModels, signsRoot } from './signing-plans.js';
import type { TufCommand } from './tuf-repository.decider.js';
import type { TufRepository } from './tuf-repository.evolve.js';

type Active = Extract<TufRepository, { status: 'active' }>;
type Signed = Record<string, unknown>;

/** Targets, snapshot and timestamp one version up, signed with the held online keys (for a root that may change them). */
async function resignOnlineRoles(state: Active, keys: FleetKeys, lifetimes: TufLifetimes, now: Date) {
  const current = currentModels(state);
  const targets = nextTargets(current.targets, [], now, lifetimes.targets);
  const snapshot = nextSnapshot(current.snapshot, targets.version, now, lifetimes.snapshot);
  const timestamp = nextTimestamp(current.timestamp, snapshot.version, now, lifetimes.timestamp);
  return {
    targets: await keys.sign('targets', targets),
    snapshot: await keys.sign('snapshot', snapshot),
    timestamp: await keys.sign('timestamp', timestamp),
  };
}

/**
 * Imports an offline-signed root. While the root in force is a development root, its only root key
 * is the signer's, so the signer adds that signature (TUF spec 5.3.4: the current root's threshold
 * must sign the next root), which is how devices that trusted the development root follow.
 */
export async function planRootImport(state: Active, rootJson: Signed, keys: FleetKeys, lifetimes: TufLifetimes, now: Date): Promise<TufCommand> {
  const current = currentModels(state);
  const root = readMetadata('root', rootJson);
  if (signsRoot(keys, current.root)) keys.countersign('root', root);
  const held = Object.fromEntries(tufRoles.map((r) => [r, keys.held.filter((h) => h.role === r).map((h) => h.key.keyID)])) as Record<TufRoleName, string[]>;
  return {
    type: 'ImportRoot',
    fleet: state.fleet,
    root: root.toJSON() as Signed,
    signed: await resignOnlineRoles(state, keys, lifetimes, now),
    held,
    now,
  };
}

/**
 * Development trust setup: puts `key` in force for `role` at once with a root the signer signs
 * itself (its root key is both the current and the next root's), re-signing the online roles.
 */
export async function planOnlineKeyRotation(state: Active, role: Exclude<TufRoleName, 'root'>, key: Key, keys: FleetKeys, lifetimes: TufLifetimes, now: Date): Promise<TufCommand> {
  const current = currentModels(state);
  const root = rootWithRoleKeys(current.root, { [role]: { keys: [key], threshold: 1 } }, current.root.version + 1, expiresAt(now, lifetimes.root));
  const signed: Record<string, Signed> = { root: await keys.sign('root', root), ...(await resignOnlineRoles(state, keys, lifetimes, now)) };
  return { type: 'SignMetadata', fleet: state.fleet, added: [], signed, now };
}
