import {
  binKeysFollowRoot,
  binNames,
  expiresAt,
  hashBinsOf,
  nextBin,
  nextDelegatingTargets,
  nextSnapshot,
  nextTargets,
  nextTimestamp,
  rootWithRoleKeys,
  tufRoles,
  type TufLifetimes,
  type TufRoleName,
} from '@keelson/tuf';
import type { Key, Root } from '@tufjs/models';
import type { FleetKeys } from '../keys/fleet-keyring.js';
import { readMetadata } from './metadata-checks.js';
import { binModel, currentModels, signBins, signsRoot } from './signing-plans.js';
import type { TufCommand } from './tuf-repository.decider.js';
import type { TufRepository } from './tuf-repository.evolve.js';

type Active = Extract<TufRepository, { status: 'active' }>;
type Signed = Record<string, unknown>;

/**
 * Targets, snapshot and timestamp one version up, signed with the held online keys, for a new
 * `root` that may change them. The hash bins are trusted through the targets keys: when `root`
 * changes those, the delegation names the new keys and every bin is re-signed (TUF spec 5.6.3: a
 * device verifies a bin with the keys its delegation names).
 */
async function resignOnlineRoles(state: Active, root: Root, keys: FleetKeys, lifetimes: TufLifetimes, now: Date) {
  const current = currentModels(state);
  const hashBins = hashBinsOf(current.targets);
  const targets = hashBins
    ? nextDelegatingTargets(current.targets, root, 2 ** hashBins.bitLength, now, lifetimes.targets)
    : nextTargets(current.targets, [], now, lifetimes.targets);
  const rekeyed = hashBins && !binKeysFollowRoot(current.targets, root) ? binNames(current.targets) : [];
  const bins = Object.fromEntries(rekeyed.map((name) => [name, nextBin(binModel(state, name), [], now, lifetimes.targets)]));
  const versions = Object.fromEntries(Object.entries(bins).map(([name, bin]) => [name, bin.version]));
  const snapshot = nextSnapshot(current.snapshot, targets.version, now, lifetimes.snapshot, versions);
  const timestamp = nextTimestamp(current.timestamp, snapshot.version, now, lifetimes.timestamp);
  const signed = {
    targets: await keys.sign('targets', targets),
    snapshot: await keys.sign('snapshot', snapshot),
    timestamp: await keys.sign('timestamp', timestamp),
  };
  return { signed, bins: await signBins(keys, bins) };
}

/**
 * Imports an offline-signed root. While the root in force is a development root, its only root key
 * is the signer's, so the signer adds that signature (TUF spec 5.3.4: the current root's threshold
 * must sign the next root), which is how devices that trusted the development root follow.
 */
export async function planRootImport(
  state: Active,
  rootJson: Signed,
  keys: FleetKeys,
  lifetimes: TufLifetimes,
  now: Date,
): Promise<TufCommand> {
  const current = currentModels(state);
  const root = readMetadata('root', rootJson);
  if (signsRoot(keys, current.root)) keys.countersign('root', root);
  const held = Object.fromEntries(tufRoles.map((r) => [r, keys.held.filter((h) => h.role === r).map((h) => h.key.keyID)])) as Record<
    TufRoleName,
    string[]
  >;
  const { signed, bins } = await resignOnlineRoles(state, root.signed, keys, lifetimes, now);
  return { type: 'ImportRoot', fleet: state.fleet, root: root.toJSON() as Signed, signed, bins, held, now };
}

/**
 * Development trust setup: puts `key` in force for `role` at once with a root the signer signs
 * itself (its root key is both the current and the next root's), re-signing the online roles.
 */
export async function planOnlineKeyRotation(
  state: Active,
  role: Exclude<TufRoleName, 'root'>,
  key: Key,
  keys: FleetKeys,
  lifetimes: TufLifetimes,
  now: Date,
): Promise<TufCommand> {
  const current = currentModels(state);
  const root = rootWithRoleKeys(
    current.root,
    { [role]: { keys: [key], threshold: 1 } },
    current.root.version + 1,
    expiresAt(now, lifetimes.root),
  );
  const online = await resignOnlineRoles(state, root, keys, lifetimes, now);
  return {
    type: 'SignMetadata',
    fleet: state.fleet,
    added: [],
    signed: { root: await keys.sign('root', root), ...online.signed },
    bins: online.bins,
    now,
  };
}
