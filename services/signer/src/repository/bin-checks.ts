import { RuleViolation } from '@keelson/domain-kit';
import { binKeysFollowRoot, binNames, binOf, hashBinsOf, isSignedByBin, type TargetEntry } from '@keelson/tuf';
import type { Root, TargetFile, Targets } from '@tufjs/models';
import { assertNextVersion, assertNotExpired, readMetadata } from './metadata-checks.js';
import { binVersionOf, type TufRepository } from './tuf-repository.evolve.js';

type Active = Extract<TufRepository, { status: 'active' }>;
type Signed = Record<string, unknown>;

/** One bin's metadata as checked, ready to be recorded. */
export interface CheckedBin {
  role: string;
  version: number;
  expires: string;
  metadata: Signed;
  /** The targets it adds (not those moved in from a flat targets metadata). */
  targetPaths: string[];
}

/** The targets a bin signs now (none for a bin never signed). */
export function binTargetsOf(state: Active, bin: string): Record<string, TargetFile> {
  const doc = state.bins[bin];
  return doc ? readMetadata('targets', doc.metadata).signed.targets : {};
}

/**
 * A new top-level targets of a repository with hash bins: it delegates to bins (TAP 15) trusted
 * through exactly the targets keys of the root in force, signs no target itself (they all live in
 * bins), and keeps the number of bins the repository has (a device's bin of a path must not move).
 */
export function assertDelegatingTargets(next: Targets, trusted: Root, current: Targets): void {
  const bins = hashBinsOf(next);
  if (!bins) throw new RuleViolation('tuf.bins-missing', 'the targets metadata must delegate to hash bins');
  if (!binKeysFollowRoot(next, trusted))
    throw new RuleViolation('tuf.delegation-keys', 'the hash bins must be trusted through the targets keys and threshold of the root');
  if (Object.keys(next.targets).length > 0)
    throw new RuleViolation('tuf.targets-unexpected', 'a targets metadata with hash bins signs no target itself');
  const before = hashBinsOf(current);
  if (before && (before.bitLength !== bins.bitLength || before.namePrefix !== bins.namePrefix)) {
    throw new RuleViolation('tuf.bins-changed', `the repository has ${2 ** before.bitLength} hash bins; their number never changes`);
  }
}

/** `next` keeps every target of `previous` unchanged and adds exactly `fresh` (TUF: a signed target is never replaced). */
export function assertAddsExactly(
  role: string,
  previous: Record<string, TargetFile>,
  next: Record<string, TargetFile>,
  fresh: TargetEntry[],
): void {
  for (const [path, target] of Object.entries(previous)) {
    if (!next[path] || !target.equals(next[path]))
      throw new RuleViolation('tuf.target-changed', `the new ${role} metadata changes or drops '${path}'`);
  }
  const added = Object.keys(next)
    .filter((p) => !previous[p])
    .sort();
  const expected = fresh.map((e) => e.path).sort();
  const same = added.length === expected.length && added.every((p, i) => p === expected[i]);
  const byPath = new Map(fresh.map((e) => [e.path, e]));
  if (!same || added.some((p) => next[p]!.hashes.sha256 !== byPath.get(p)!.sha256 || next[p]!.length !== byPath.get(p)!.length)) {
    throw new RuleViolation(
      'tuf.targets-unexpected',
      `the new ${role} metadata adds [${added.join(', ')}], expected [${expected.join(', ')}]`,
    );
  }
}

/**
 * Checks the signed bins against the top-level targets `top` that will be in force: each is a bin
 * `top` delegates to, one version up, unexpired, signed as `top` trusts it, and keeps its targets
 * while adding exactly the fresh targets of its bin. `moved` (re-delegating a flat targets
 * metadata) are the targets every bin starts from instead of its current ones. Every bin with a
 * fresh target must be signed, and every bin when `allBins` (new bin keys, or a re-delegation).
 */
export function checkBins(
  state: Active,
  top: Targets,
  signed: Record<string, Signed>,
  fresh: TargetEntry[],
  opts: { now: Date; allBins: boolean; moved?: Record<string, TargetFile> },
): CheckedBin[] {
  const names = binNames(top);
  const freshByBin = new Map<string, TargetEntry[]>();
  for (const entry of fresh) freshByBin.set(binOf(top, entry.path), [...(freshByBin.get(binOf(top, entry.path)) ?? []), entry]);
  const required = opts.allBins ? names : [...freshByBin.keys()];
  const missing = required.filter((name) => !signed[name]);
  if (missing.length > 0)
    throw new RuleViolation(
      'tuf.bins-missing',
      `hash bins [${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}] must be signed too`,
    );
  const movedByBin = new Map<string, Record<string, TargetFile>>();
  for (const [path, file] of Object.entries(opts.moved ?? {}))
    movedByBin.set(binOf(top, path), { ...movedByBin.get(binOf(top, path)), [path]: file });
  return Object.entries(signed).map(([role, json]) => {
    if (!hashBinsOf(top)!.isDelegatedRole(role))
      throw new RuleViolation('tuf.bin-unknown', `the targets metadata delegates to no bin '${role}'`);
    const bin = readMetadata('targets', json);
    assertNextVersion(role, bin.signed, binVersionOf(state, role));
    assertNotExpired(role, bin.signed, opts.now);
    if (!isSignedByBin(top, role, bin))
      throw new RuleViolation('tuf.signature-invalid', `the ${role} metadata is not signed by the keys the targets metadata trusts for it`);
    if (bin.signed.delegations) throw new RuleViolation('tuf.bins-delegate', `hash bin ${role} delegates further; bins are terminating`);
    const previous = opts.moved ? (movedByBin.get(role) ?? {}) : binTargetsOf(state, role);
    const added = freshByBin.get(role) ?? [];
    assertAddsExactly(role, previous, bin.signed.targets, added);
    return { role, version: bin.signed.version, expires: bin.signed.expires, metadata: json, targetPaths: added.map((e) => e.path) };
  });
}
