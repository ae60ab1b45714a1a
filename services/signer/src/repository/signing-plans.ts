import {
  assignToBins,
  binsToRenew,
  initialRepository,
  nextBin,
  nextDelegatingTargets,
  nextRoot,
  nextSnapshot,
  nextTargets,
  nextTimestamp,
  planRenewal,
  redelegatedBins,
  standingOf,
  type TargetEntry,
  type TufLifetimes,
} from '@keelson/tuf';
import type { TufRole } from '@keelson/events';
import type { Root, Targets } from '@tufjs/models';
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
export async function planInitialisation(
  fleet: string,
  keys: FleetKeys,
  lifetimes: TufLifetimes,
  binCount: number,
  now: Date,
): Promise<TufCommand> {
  const repo = initialRepository(keys.keys, lifetimes, now, binCount);
  const [root, targets, snapshot, timestamp] = await Promise.all([
    keys.sign('root', repo.root),
    keys.sign('targets', repo.targets),
    keys.sign('snapshot', repo.snapshot),
    keys.sign('timestamp', repo.timestamp),
  ]);
  return {
    type: 'InitialiseRepository',
    fleet,
    development: true,
    signed: { root, targets, snapshot, timestamp },
    bins: await signBins(keys, repo.bins),
    now,
  };
}

/** Signs bins with the targets keys: the delegation trusts exactly the keys the root names for targets. */
export async function signBins(keys: FleetKeys, bins: Record<string, Targets>): Promise<Record<string, Record<string, unknown>>> {
  const signed = await Promise.all(Object.entries(bins).map(async ([name, bin]) => [name, await keys.sign('targets', bin)] as const));
  return Object.fromEntries(signed);
}

/** The bin's metadata in force as a model, null for a bin never signed. */
export function binModel(state: Active, bin: string): Targets | null {
  const doc = state.bins[bin];
  return doc ? readMetadata('targets', doc.metadata).signed : null;
}

/**
 * A repository from before hash bins: the top-level targets one version up, delegating to
 * `binCount` bins, every bin version 1 with the flat targets that hash into it (unchanged), a
 * snapshot listing them all and a timestamp, in one decision.
 */
export async function planRedelegation(
  state: Active,
  binCount: number,
  keys: FleetKeys,
  lifetimes: TufLifetimes,
  now: Date,
): Promise<TufCommand> {
  const current = currentModels(state);
  const targets = nextDelegatingTargets(current.targets, current.root, binCount, now, lifetimes.targets);
  const bins = redelegatedBins(current.targets, targets, now, lifetimes.targets);
  const snapshot = nextSnapshot(
    current.snapshot,
    targets.version,
    now,
    lifetimes.snapshot,
    Object.fromEntries(Object.keys(bins).map((name) => [name, 1])),
  );
  const signed: Signed = {
    targets: await keys.sign('targets', targets),
    snapshot: await keys.sign('snapshot', snapshot),
    timestamp: await keys.sign('timestamp', nextTimestamp(current.timestamp, snapshot.version, now, lifetimes.timestamp)),
  };
  return { type: 'SignMetadata', fleet: state.fleet, added: [], signed, bins: await signBins(keys, bins), now };
}

/**
 * Adds `entries` to their hash bins and signs those bins, snapshot and timestamp together: the
 * top-level targets and every other bin stay as they are. When nothing is new (a redelivery) or a
 * path clashes, no metadata is signed: `decide` answers with nothing or refuses, so the rule lives
 * in one place. The repository must have hash bins (`planRedelegation` first).
 */
export async function planTargets(
  state: Active,
  entries: TargetEntry[],
  keys: FleetKeys,
  lifetimes: TufLifetimes,
  now: Date,
): Promise<TufCommand> {
  const current = currentModels(state);
  const byBin = assignToBins(current.targets, entries);
  const standings = new Map<TargetEntry, string>();
  for (const [bin, members] of byBin) {
    const model = binModel(state, bin);
    for (const e of members) standings.set(e, model ? standingOf(model, e) : 'new');
  }
  const command = { type: 'SignMetadata', fleet: state.fleet, added: entries, now } as const;
  const all = [...standings.values()];
  if (!all.includes('new') || all.includes('conflict')) return { ...command, signed: {} };
  const bins: Record<string, Targets> = {};
  for (const [bin, members] of byBin) {
    const fresh = members.filter((e) => standings.get(e) === 'new');
    if (fresh.length > 0) bins[bin] = nextBin(binModel(state, bin), fresh, now, lifetimes.targets);
  }
  const versions = Object.fromEntries(Object.entries(bins).map(([name, bin]) => [name, bin.version]));
  const snapshot = nextSnapshot(current.snapshot, current.targets.version, now, lifetimes.snapshot, versions);
  const timestamp = nextTimestamp(current.timestamp, snapshot.version, now, lifetimes.timestamp);
  const signed: Signed = { snapshot: await keys.sign('snapshot', snapshot), timestamp: await keys.sign('timestamp', timestamp) };
  return { ...command, signed, bins: await signBins(keys, bins) };
}

/**
 * Re-signs whatever is past half its lifetime (and what lists it): root, targets, each hash bin,
 * snapshot, timestamp; a re-signed bin needs a new snapshot, as the targets does. Null when nothing is.
 */
export async function planRenewalSigning(state: Active, keys: FleetKeys, lifetimes: TufLifetimes, now: Date): Promise<TufCommand | null> {
  const current = currentModels(state);
  const expiring = binsToRenew(
    Object.entries(state.bins).map(([role, doc]) => ({ role, expires: doc.expires })),
    lifetimes.targets,
    now,
  );
  const top = planRenewal(current, lifetimes, now);
  const plan = expiring.length > 0 ? { root: false, targets: false, ...top, snapshot: true, timestamp: true } : top;
  if (!plan) return null;
  // A production root is renewed by a new ceremony, never here: the signer holds no root key then.
  const renewRoot = plan.root && signsRoot(keys, current.root);
  if (!renewRoot && !plan.timestamp) return null;
  const signed: Signed = {};
  if (renewRoot) signed.root = await keys.sign('root', nextRoot(current.root, now, lifetimes.root));
  const targets = plan.targets ? nextTargets(current.targets, [], now, lifetimes.targets) : current.targets;
  if (plan.targets) signed.targets = await keys.sign('targets', targets);
  const bins = Object.fromEntries(expiring.map((name) => [name, nextBin(binModel(state, name), [], now, lifetimes.targets)]));
  const versions = Object.fromEntries(Object.entries(bins).map(([name, bin]) => [name, bin.version]));
  const snapshot = plan.snapshot ? nextSnapshot(current.snapshot, targets.version, now, lifetimes.snapshot, versions) : current.snapshot;
  if (plan.snapshot) signed.snapshot = await keys.sign('snapshot', snapshot);
  if (plan.timestamp)
    signed.timestamp = await keys.sign('timestamp', nextTimestamp(current.timestamp, snapshot.version, now, lifetimes.timestamp));
  return { type: 'SignMetadata', fleet: state.fleet, added: [], signed, bins: await signBins(keys, bins), now };
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
