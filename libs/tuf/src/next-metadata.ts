import { MetaFile, Root, Snapshot, Targets, Timestamp, type Key } from '@tufjs/models';
import { expiresAt, type TufLifetimes } from './lifetimes.js';
import { binNames, nextBin, nextDelegatingTargets } from './hashed-bins.js';
import { specVersion } from './spec-version.js';
import { targetFileOf, type TargetEntry } from './target-entry.js';

export { specVersion };

/** The four top-level roles. */
export const tufRoles = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type TufRoleName = (typeof tufRoles)[number];

/** One public key per role: the development trust setup keeps one online key for each. */
export type RoleKeyMap = Record<TufRoleName, Key>;

/** A complete, still unsigned set of top-level metadata. */
export interface UnsignedRepository {
  root: Root;
  targets: Targets;
  snapshot: Snapshot;
  timestamp: Timestamp;
  /** The hash bins the targets delegates to, by role name, each version 1 with no targets (none for a flat repository). */
  bins: Record<string, Targets>;
}

/**
 * Version 1 of every role for a new repository: threshold 1 per role, consistent snapshots on (TUF
 * spec 4.3), no targets; snapshot 1 lists targets 1 and timestamp 1 lists snapshot 1. With
 * `binCount`, the targets delegates to that many hash bins (each version 1, empty, listed in the
 * snapshot), so that what a device downloads per update does not grow with the repository.
 */
export function initialRepository(keys: RoleKeyMap, lifetimes: TufLifetimes, now: Date, binCount?: number): UnsignedRepository {
  const root = new Root({ version: 1, specVersion, expires: expiresAt(now, lifetimes.root), consistentSnapshot: true });
  for (const role of tufRoles) root.addKey(keys[role], role);
  const targets = binCount
    ? nextDelegatingTargets(null, root, binCount, now, lifetimes.targets)
    : new Targets({ version: 1, specVersion, expires: expiresAt(now, lifetimes.targets) });
  const bins = Object.fromEntries(binNames(targets).map((name) => [name, nextBin(null, [], now, lifetimes.targets)]));
  const snapshot = nextSnapshot(
    null,
    targets.version,
    now,
    lifetimes.snapshot,
    Object.fromEntries(Object.keys(bins).map((name) => [name, 1])),
  );
  const timestamp = nextTimestamp(null, snapshot.version, now, lifetimes.timestamp);
  return { root, targets, snapshot, timestamp, bins };
}

/** The next root: same keys and roles, version + 1, a fresh expiry (TUF spec 5.3.5: N+1). */
export function nextRoot(current: Root, now: Date, lifetimeSeconds: number): Root {
  return new Root({
    version: current.version + 1,
    specVersion,
    expires: expiresAt(now, lifetimeSeconds),
    consistentSnapshot: current.consistentSnapshot,
    keys: current.keys,
    roles: current.roles,
  });
}

/**
 * The next targets: every target already signed, plus `added` (which must be new paths: a signed
 * target is never replaced here), version + 1, a fresh expiry. With nothing added it is a renewal.
 */
export function nextTargets(current: Targets, added: TargetEntry[], now: Date, lifetimeSeconds: number): Targets {
  const targets = { ...current.targets };
  for (const entry of added) {
    if (targets[entry.path]) throw new Error(`target '${entry.path}' is already signed`);
    targets[entry.path] = targetFileOf(entry);
  }
  // A binned repository keeps its delegation: the bins stay trusted through the same keys.
  return new Targets({
    version: current.version + 1,
    specVersion,
    expires: expiresAt(now, lifetimeSeconds),
    targets,
    delegations: current.delegations,
  });
}

/**
 * The next snapshot, version + 1 (or 1): lists `targets.json` at `targetsVersion` and every
 * delegated targets metadata (hash bins) the current one lists, at the versions in `delegated`
 * (`{ 'bins-0a': 3 }`) where they changed (TUF spec 4.4: METAFILES of all targets metadata).
 */
export function nextSnapshot(
  current: Snapshot | null,
  targetsVersion: number,
  now: Date,
  lifetimeSeconds: number,
  delegated: Record<string, number> = {},
): Snapshot {
  const meta: Record<string, MetaFile> = { ...current?.meta, 'targets.json': new MetaFile({ version: targetsVersion }) };
  for (const [role, version] of Object.entries(delegated)) meta[`${role}.json`] = new MetaFile({ version });
  return new Snapshot({ version: (current?.version ?? 0) + 1, specVersion, expires: expiresAt(now, lifetimeSeconds), meta });
}

/** The next timestamp: lists `snapshot.json` at `snapshotVersion` (TUF spec 4.6), version + 1 (or 1). */
export function nextTimestamp(current: Timestamp | null, snapshotVersion: number, now: Date, lifetimeSeconds: number): Timestamp {
  return new Timestamp({
    version: (current?.version ?? 0) + 1,
    specVersion,
    expires: expiresAt(now, lifetimeSeconds),
    snapshotMeta: new MetaFile({ version: snapshotVersion }),
  });
}
