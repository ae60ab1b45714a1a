import { RuleViolation } from '@keelson/domain-kit';
import type { TufEvent, TufRole } from '@keelson/events';
import { binNames, binOf, hashBinsOf, standingOf, type TargetEntry } from '@keelson/tuf';
import type { Root, Targets } from '@tufjs/models';
import { assertAddsExactly, assertDelegatingTargets, checkBins, type CheckedBin } from './bin-checks.js';
import { assertLists, assertNextVersion, assertNotExpired, assertSignedBy, readMetadata } from './metadata-checks.js';
import type { Active, Signed, TufCommand } from './tuf-repository.decider.js';
import { binVersionOf, documentOf, isBinned, type TufRepository } from './tuf-repository.evolve.js';

export const binSigned = (fleet: string, bin: CheckedBin): TufEvent => ({
  type: 'DelegatedTargetsSigned',
  schemaVersion: 1,
  data: { fleet, ...bin },
});

/** Where a target is signed: its hash bin in a repository with bins, else the top-level targets. */
function signedIn(state: Active, top: Targets, path: string): Targets | null {
  if (!hashBinsOf(top)) return top;
  const doc = state.bins[binOf(top, path)];
  return doc ? readMetadata('targets', doc.metadata).signed : null;
}

/** The targets among `added` that are not signed yet; a clash with a signed target is refused. */
function newTargets(state: Active, top: Targets, added: TargetEntry[]): TargetEntry[] {
  const fresh: TargetEntry[] = [];
  for (const entry of added) {
    const current = signedIn(state, top, entry.path);
    const standing = current ? standingOf(current, entry) : 'new';
    if (standing === 'conflict') {
      throw new RuleViolation(
        'tuf.target-conflict',
        `target '${entry.path}' is already signed with other contents; a signed target is never replaced`,
      );
    }
    if (standing === 'new') fresh.push(entry);
  }
  return fresh;
}

export function sign(command: Extract<TufCommand, { type: 'SignMetadata' }>, state: TufRepository): TufEvent[] {
  if (state.status !== 'active') throw new RuleViolation('tuf.repository-absent', `fleet '${command.fleet}' has no TUF repository yet`);
  const currentTargets = readMetadata('targets', documentOf(state, 'targets').metadata).signed;
  const fresh = newTargets(state, currentTargets, command.added);
  if (command.added.length > 0 && fresh.length === 0) return []; // every target is already signed as asked
  const { signed, now } = command;
  const bins = command.bins ?? {};
  if (fresh.length > 0 && !isBinned(state))
    throw new RuleViolation('tuf.not-delegated', 'new targets are signed into hash bins: re-delegate the flat targets metadata first');
  if ((signed.targets || Object.keys(bins).length > 0) && !signed.snapshot)
    throw new RuleViolation('tuf.snapshot-missing', 'a new targets or bin metadata needs a new snapshot');
  if (signed.snapshot && !signed.timestamp) throw new RuleViolation('tuf.timestamp-missing', 'a new snapshot needs a new timestamp');

  const currentRoot = readMetadata('root', documentOf(state, 'root').metadata).signed;
  const events: TufEvent[] = [];
  const fleet = state.fleet;
  const check = (role: TufRole, m: { signed: { version: number; expires: string } }) => {
    assertNextVersion(role, m.signed, documentOf(state, role).version);
    assertNotExpired(role, m.signed, now);
  };
  const data = (m: { signed: { version: number; expires: string } }, json: Signed) => ({
    fleet,
    version: m.signed.version,
    expires: m.signed.expires,
    metadata: json,
  });

  // What a device trusts once it has the new root: the later roles are checked against it.
  let trusted = currentRoot;
  if (signed.root) {
    const root = readMetadata('root', signed.root);
    check('root', root);
    // TUF spec 5.3.4: signed by the threshold of the trusted root's root keys and of its own.
    assertSignedBy(currentRoot, 'root', root);
    assertSignedBy(root.signed, 'root', root);
    if (!root.signed.consistentSnapshot)
      throw new RuleViolation('tuf.consistent-snapshot', 'Keelson repositories use consistent snapshots');
    // TUF spec 5.3.11: a device drops metadata of a role whose keys changed, so it needs new metadata signed by the new keys.
    const rotated = onlineRoles.some((r) => !sameRole(currentRoot, root.signed, r));
    if (rotated && !(signed.targets && signed.snapshot && signed.timestamp)) {
      throw new RuleViolation(
        'tuf.rotation-incomplete',
        'a root that changes online keys comes with targets, snapshot and timestamp signed by the new keys',
      );
    }
    trusted = root.signed;
    events.push({ type: 'RootMetadataSigned', schemaVersion: 1, data: data(root, signed.root) });
  }
  let top = currentTargets;
  if (signed.targets) {
    const targets = readMetadata('targets', signed.targets);
    check('targets', targets);
    assertSignedBy(trusted, 'targets', targets);
    // A flat targets metadata (from before hash bins) is only renewed or re-signed as it is, or re-delegated.
    if (hashBinsOf(targets.signed) || isBinned(state)) assertDelegatingTargets(targets.signed, trusted, currentTargets);
    else assertAddsExactly('targets', currentTargets.targets, targets.signed.targets, []);
    top = targets.signed;
    events.push({ type: 'TargetsSigned', schemaVersion: 1, data: { ...data(targets, signed.targets), targetPaths: [] } });
  }
  const checkedBins = signedBins(state, currentTargets, top, bins, fresh, now);
  events.push(...checkedBins.map((bin) => binSigned(fleet, bin)));
  const targetsVersion = top.version;
  let snapshotVersion = documentOf(state, 'snapshot').version;
  if (signed.snapshot) {
    const snapshot = readMetadata('snapshot', signed.snapshot);
    check('snapshot', snapshot);
    assertSignedBy(trusted, 'snapshot', snapshot);
    assertLists('snapshot', snapshot.signed.meta['targets.json']?.version, 'targets.json', targetsVersion);
    const binVersions = new Map(checkedBins.map((b) => [b.role, b.version]));
    for (const bin of binNames(top)) {
      assertLists(
        'snapshot',
        snapshot.signed.meta[`${bin}.json`]?.version,
        `${bin}.json`,
        binVersions.get(bin) ?? binVersionOf(state, bin),
      );
    }
    snapshotVersion = snapshot.signed.version;
    events.push({ type: 'SnapshotSigned', schemaVersion: 1, data: data(snapshot, signed.snapshot) });
  }
  if (signed.timestamp) {
    const timestamp = readMetadata('timestamp', signed.timestamp);
    check('timestamp', timestamp);
    assertSignedBy(trusted, 'timestamp', timestamp);
    assertLists('timestamp', timestamp.signed.snapshotMeta.version, 'snapshot.json', snapshotVersion);
    events.push({ type: 'TimestampRenewed', schemaVersion: 1, data: data(timestamp, signed.timestamp) });
  }
  return events;
}

export const onlineRoles = ['targets', 'snapshot', 'timestamp'] as const;

function sameRole(a: Root, b: Root, role: string): boolean {
  const [x, y] = [a.roles[role], b.roles[role]];
  return !!x && !!y && x.threshold === y.threshold && [...x.keyIDs].sort().join() === [...y.keyIDs].sort().join();
}

/**
 * The bins signed with a decision, checked against the top-level targets in force after it. Every
 * bin is re-signed when the bins' keys change (a device drops a bin its delegation no longer trusts)
 * and when a flat targets metadata is re-delegated: its targets move into their bins unchanged.
 */
function signedBins(
  state: Active,
  current: Targets,
  top: Targets,
  bins: Record<string, Signed>,
  fresh: TargetEntry[],
  now: Date,
): CheckedBin[] {
  if (!hashBinsOf(top)) {
    if (Object.keys(bins).length > 0) throw new RuleViolation('tuf.bin-unknown', 'the targets metadata delegates to no hash bins');
    return [];
  }
  const redelegating = !hashBinsOf(current);
  const [before, after] = [hashBinsOf(current), hashBinsOf(top)!];
  const keysChanged =
    !!before && (before.threshold !== after.threshold || [...before.keyIDs].sort().join() !== [...after.keyIDs].sort().join());
  return checkBins(state, top, bins, fresh, {
    now,
    allBins: redelegating || keysChanged,
    moved: redelegating ? current.targets : undefined,
  });
}
