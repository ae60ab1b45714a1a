import { MetaFile, Root, Snapshot, Targets, Timestamp, type Key } from '@tufjs/models';
import { expiresAt, type TufLifetimes } from './lifetimes.js';
import { targetFileOf, type TargetEntry } from './target-entry.js';

/** The TUF specification version our metadata follows (tuf-js accepts 1.x). */
export const specVersion = '1.0.31';

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
}

/**
 * Version 1 of every role for a new repository: threshold 1 per role, consistent snapshots on (TUF
 * spec 4.3), no targets; snapshot 1 lists targets 1 and timestamp 1 lists snapshot 1.
 */
export function initialRepository(keys: RoleKeyMap, lifetimes: TufLifetimes, now: Date): UnsignedRepository {
  const root = new Root({ version: 1, specVersion, expires: expiresAt(now, lifetimes.root), consistentSnapshot: true });
  for (const role of tufRoles) root.addKey(keys[role], role);
  const targets = new Targets({ version: 1, specVersion, expires: expiresAt(now, lifetimes.targets) });
  const snapshot = nextSnapshot(null, targets.version, now, lifetimes.snapshot);
  const timestamp = nextTimestamp(null, snapshot.version, now, lifetimes.timestamp);
  return { root, targets, snapshot, timestamp };
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
  return new Targets({ version: current.version + 1, specVersion, expires: expiresAt(now, lifetimeSeconds), targets });
}

/** The next snapshot: lists `targets.json` at `targetsVersion` (TUF spec 4.4), version + 1 (or 1). */
export function nextSnapshot(current: Snapshot | null, targetsVersion: number, now: Date, lifetimeSeconds: number): Snapshot {
  return new Snapshot({
    version: (current?.version ?? 0) + 1,
    specVersion,
    expires: expiresAt(now, lifetimeSeconds),
    meta: { 'targets.json': new MetaFile({ version: targetsVersion }) },
  });
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
