import { initialRepository, nextRoot, nextSnapshot, nextTargets, nextTimestamp, planRenewal, standingOf, type TargetEntry, type TufLifetimes } from '@keelson/tuf';
import type { TufRole } from '@keelson/events';
import type { Root } from '@tufjs/models';
import type { FleetKeys } from '../keys/fleet-keyring.js';
import { readMetadata } from './metadata-checks.js';
import type { TufCommand } from './tuf-repository.decider.js';
import { documentOf, type TufRepository } from './tuf-repository.evolve.js';

type Active = Extract<TufRepository, { status: 'active' }>;
type Signed = Partial<Record<TufRole, Record<string, unknown>>>;

/**
 * Prepare and sign (sigstore's prepare -> sign -> package): each plan builds the next unsigned
 * metadata with the pure rules of `@keelson/tuf`, signs it with the fleet's keys, and returns the
 * command that carries it into `decide`, which checks it as a device would.
 */
export async function planInitialisation(fleet: string, keys: FleetKeys, lifetimes: TufLifetimes, now: Date): Promise<TufCommand> {
  const repo = initialRepository(keys.keys, lifetimes, now);
  const [root, targets, snapshot, timestamp] = await Promise.all([
    keys.sign('root', repo.root),
    keys.sign('targets', repo.targets),
    keys.sign('snapshot', repo.snapshot),
    keys.sign('timestamp', repo.timestamp),
  ]);
  return { type: 'InitialiseRepository', fleet, development: true, signed: { root, targets, snapshot, timestamp }, now };
}

/**
 * Adds `entries` to the targets and signs targets, snapshot and timestamp together. When nothing is
 * new (a redelivery) or a path clashes, no metadata is signed: `decide` answers with nothing or
 * refuses, so the rule lives in one place.
 */
export async function planTargets(state: Active, entries: TargetEntry[], keys: FleetKeys, lifetimes: TufLifetimes, now: Date): Promise<TufCommand> {
  const current = currentModels(state);
  const standings = entries.map((e) => standingOf(current.targets, e));
  const command = { type: 'SignMetadata', fleet: state.fleet, added: entries, now } as const;
  if (!standings.includes('new') || standings.includes('conflict')) return { ...command, signed: {} };
  const fresh = entries.filter((_, i) => standings[i] === 'new');
  const targets = nextTargets(current.targets, fresh, now, lifetimes.targets);
  const snapshot = nextSnapshot(current.snapshot, targets.version, now, lifetimes.snapshot);
  const timestamp = nextTimestamp(current.timestamp, snapshot.version, now, lifetimes.timestamp);
  const signed: Signed = {
    targets: await keys.sign('targets', targets),
    snapshot: await keys.sign('snapshot', snapshot),
    timestamp: await keys.sign('timestamp', timestamp),
  };
  return { ...command, signed };
}

/** Re-signs whatever is past half its lifetime (and what lists it); null when nothing is. */
export async function planRenewalSigning(state: Active, keys: FleetKeys, lifetimes: TufLifetimes, now: Date): Promise<TufCommand | null> {
  const current = currentModels(state);
  const plan = planRenewal(current, lifetimes, now);
  if (!plan) return null;
  // A production root is renewed by a new ceremony, never here: the signer holds no root key then.
  const renewRoot = plan.root && signsRoot(keys, current.root);
  if (!renewRoot && !plan.timestamp) return null;
  const signed: Signed = {};
  if (renewRoot) signed.root = await keys.sign('root', nextRoot(current.root, now, lifetimes.root));
  const targets = plan.targets ? nextTargets(current.targets, [], now, lifetimes.targets) : current.targets;
  if (plan.targets) signed.targets = await keys.sign('targets', targets);
  const snapshot = plan.snapshot ? nextSnapshot(current.snapshot, targets.version, now, lifetimes.snapshot) : current.snapshot;
  if (plan.snapshot) signed.snapshot = await keys.sign('snapshot', snapshot);
  if (plan.timestamp) signed.timestamp = await keys.sign('timestamp', nextTimestamp(current.timestamp, snapshot.version, now, lifetimes.timestamp));
  return { type: 'SignMetadata', fleet: state.fleet, added: [], signed, now };
}

/** True when the signer holds a root key that `root` trusts: the development trust setup. */
export function signsRoot(keys: FleetKeys, root: Root): boolean {
  return keys.held.some((h) => h.role === 'root' && root.roles.root!.keyIDs.includes(h.key.keyID));
}

export function currentModels(state: Active) {
  return {
    root: readMetadata('root', documentOf(state, 'root').metadata).signed,
    targets: readMetadata('targets', documentOf(state, 'targets').metadata).signed,
    snapshot: readMetadata('snapshot', documentOf(state, 'snapshot').metadata).signed,
    timestamp: readMetadata('timestamp', documentOf(state, 'timestamp').metadata).signed,
  };
}
