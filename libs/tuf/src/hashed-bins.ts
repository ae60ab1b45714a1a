import { Metadata, Targets, type Root } from '@tufjs/models';
import { expiresAt } from './lifetimes.js';
import { specVersion } from './spec-version.js';
import { targetFileOf, type TargetEntry } from './target-entry.js';

/** Bin role names are `bins-<hex index>` (TAP 15: `name_prefix` + `-` + zero-padded hex). */
export const binNamePrefix = 'bins';

/**
 * The largest number of bins a repository may have: re-signing every bin (a targets key rotation)
 * is one atomic batch of bins + 4 events, and a JetStream atomic batch holds at most 1000 messages.
 */
export const maxBinCount = 512;

/** True for a bin count a repository can use: a power of two from 2 to `maxBinCount` (TAP 15 `bit_length` >= 1). */
export function isBinCount(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && n <= maxBinCount && (n & (n - 1)) === 0;
}

/**
 * The succinct hash-bin delegation (TUF spec 4.5 `succinct_roles`, TAP 15) of `count` bins, trusted
 * through the keys and threshold the root names for the targets role: the bins are signed with the
 * targets key, so rotating that key re-signs them and nothing else has to be held or exported.
 */
export function binDelegations(root: Root, count: number): Record<string, unknown> {
  if (!isBinCount(count)) throw new Error(`a repository has 2 to ${maxBinCount} hash bins, a power of two, not ${count}`);
  const role = root.roles.targets!;
  // @tufjs/models does not export Delegations and SuccinctRoles: they are built from their JSON.
  const keys = Object.fromEntries(role.keyIDs.map((id) => [id, root.keys[id]!.toJSON()]));
  return {
    keys,
    succinct_roles: { keyids: role.keyIDs, threshold: role.threshold, bit_length: Math.log2(count), name_prefix: binNamePrefix },
  };
}

type HashBins = NonNullable<NonNullable<Targets['delegations']>['succinctRoles']>;

/** The hash bins a top-level targets delegates to, or undefined for a flat (pre-bins) targets. */
export function hashBinsOf(targets: Targets): HashBins | undefined {
  return targets.delegations?.succinctRoles;
}

/** Every bin name of a delegating targets, in index order. */
export function binNames(targets: Targets): string[] {
  const bins = hashBinsOf(targets);
  return bins ? [...bins.getRoles()] : [];
}

/** The bin a target path belongs to: the leading `bit_length` bits of sha256(path) (TAP 15). */
export function binOf(targets: Targets, targetPath: string): string {
  const bins = hashBinsOf(targets);
  if (!bins) throw new Error('the targets metadata delegates to no hash bins');
  return bins.getRoleForTarget(targetPath);
}

/** `entries` grouped by the bin each belongs to. */
export function assignToBins(targets: Targets, entries: TargetEntry[]): Map<string, TargetEntry[]> {
  const byBin = new Map<string, TargetEntry[]>();
  for (const entry of entries) {
    const bin = binOf(targets, entry.path);
    byBin.set(bin, [...(byBin.get(bin) ?? []), entry]);
  }
  return byBin;
}

/** True when the bins are trusted through exactly the keys and threshold `root` names for targets. */
export function binKeysFollowRoot(targets: Targets, root: Root): boolean {
  const bins = hashBinsOf(targets);
  const role = root.roles.targets!;
  if (!bins || bins.threshold !== role.threshold) return false;
  return [...bins.keyIDs].sort().join() === [...role.keyIDs].sort().join();
}

/**
 * The next top-level targets of a binned repository: no targets of its own (they all live in bins),
 * the hash-bin delegation of `count` bins trusted through `root`'s targets keys, version + 1 (or 1).
 */
export function nextDelegatingTargets(current: Targets | null, root: Root, count: number, now: Date, lifetimeSeconds: number): Targets {
  return Targets.fromJSON({
    _type: 'targets',
    spec_version: specVersion,
    version: (current?.version ?? 0) + 1,
    expires: expiresAt(now, lifetimeSeconds),
    targets: {},
    delegations: binDelegations(root, count),
  } as never);
}

/** The next metadata of one bin: every target it signs, plus `added` (new paths only), version + 1 (or 1). */
export function nextBin(current: Targets | null, added: TargetEntry[], now: Date, lifetimeSeconds: number): Targets {
  const targets = { ...current?.targets };
  for (const entry of added) {
    if (targets[entry.path]) throw new Error(`target '${entry.path}' is already signed`);
    targets[entry.path] = targetFileOf(entry);
  }
  return new Targets({ version: (current?.version ?? 0) + 1, specVersion, expires: expiresAt(now, lifetimeSeconds), targets });
}

/**
 * Version 1 of every bin of `delegating`, holding the targets of an older flat targets metadata
 * that hash into it, each exactly as it was signed (a device sees the same length, hashes, custom).
 */
export function redelegatedBins(flat: Targets, delegating: Targets, now: Date, lifetimeSeconds: number): Record<string, Targets> {
  const files = new Map(binNames(delegating).map((name) => [name, {} as Targets['targets']]));
  for (const [path, file] of Object.entries(flat.targets)) files.get(binOf(delegating, path))![path] = file;
  return Object.fromEntries(
    [...files].map(([name, targets]) => [
      name,
      new Targets({ version: 1, specVersion, expires: expiresAt(now, lifetimeSeconds), targets }),
    ]),
  );
}

/** True when the delegated `bin` metadata carries the threshold of signatures `targets` trusts for it. */
export function isSignedByBin(targets: Targets, bin: string, metadata: Metadata<Targets>): boolean {
  try {
    new Metadata(targets).verifyDelegate(bin, metadata);
    return true;
  } catch {
    return false;
  }
}
