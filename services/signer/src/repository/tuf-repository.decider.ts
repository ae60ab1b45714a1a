import { RuleViolation, assertNever, type Decider } from '@keelson/domain-kit';
import type { TufEvent, TufRole } from '@keelson/events';
import { binNames, binOf, hashBinsOf, standingOf, type TargetEntry } from '@keelson/tuf';
import type { Root, Targets } from '@tufjs/models';
import { assertAddsExactly, assertDelegatingTargets, checkBins, type CheckedBin } from './bin-checks.js';
import { assertLists, assertNextVersion, assertNotExpired, assertSignedBy, readMetadata } from './metadata-checks.js';
import { binVersionOf, documentOf, evolve, initialState, isBinned, type TufRepository } from './tuf-repository.evolve.js';

type Signed = Record<string, unknown>;

/**
 * What the signer asks of a repository. The metadata arrives already signed (the handler prepares
 * and signs it outside, where the keys are); `decide` checks it as a device would and records it.
 */
export type TufCommand =
  | {
      type: 'InitialiseRepository';
      fleet: string;
      development: boolean;
      signed: Record<TufRole, Signed>;
      bins: Record<string, Signed>;
      now: Date;
    }
  | {
      type: 'SignMetadata';
      fleet: string;
      added: TargetEntry[];
      signed: Partial<Record<TufRole, Signed>>;
      /** Hash bins signed with it, by role name: new targets go into their bin, never into the top-level targets. */
      bins?: Record<string, Signed>;
      now: Date;
    }
  | {
      type: 'ImportRoot';
      fleet: string;
      /** The offline-signed root (counter-signed by the signer's development root key when that is what the current root trusts). */
      root: Signed;
      /** Targets, snapshot and timestamp re-signed with the online keys the new root names. */
      signed: Record<Exclude<TufRole, 'root'>, Signed>;
      /** Every hash bin, re-signed when the new root changes the targets keys (the bins are trusted through them). */
      bins?: Record<string, Signed>;
      /** The key ids the signer holds, per role. */
      held: Record<TufRole, string[]>;
      now: Date;
    };

type Active = Extract<TufRepository, { status: 'active' }>;

function initialise(command: Extract<TufCommand, { type: 'InitialiseRepository' }>, state: TufRepository): TufEvent[] {
  if (state.status === 'active') return []; // someone initialised it first: nothing new happened
  const { fleet, now } = command;
  const root = readMetadata('root', command.signed.root);
  const targets = readMetadata('targets', command.signed.targets);
  const snapshot = readMetadata('snapshot', command.signed.snapshot);
  const timestamp = readMetadata('timestamp', command.signed.timestamp);
  assertSignedBy(root.signed, 'root', root); // TUF spec 5.3.4: a root is signed by its own root keys
  assertSignedBy(root.signed, 'targets', targets);
  assertSignedBy(root.signed, 'snapshot', snapshot);
  assertSignedBy(root.signed, 'timestamp', timestamp);
  for (const [role, m] of [
    ['root', root],
    ['targets', targets],
    ['snapshot', snapshot],
    ['timestamp', timestamp],
  ] as const) {
    assertNextVersion(role, m.signed, 0);
    assertNotExpired(role, m.signed, now);
  }
  if (Object.keys(targets.signed.targets).length > 0)
    throw new RuleViolation('tuf.initial-targets', 'a new repository starts with no targets');
  if (!root.signed.consistentSnapshot) throw new RuleViolation('tuf.consistent-snapshot', 'Keelson repositories use consistent snapshots');
  assertDelegatingTargets(targets.signed, root.signed, targets.signed);
  const empty: Active = { status: 'active', fleet, development: command.development, developmentRootKeyIds: [], documents: {}, bins: {} };
  const bins = checkBins(empty, targets.signed, command.bins, [], { now, allBins: true });
  assertLists('snapshot', snapshot.signed.meta['targets.json']?.version, 'targets.json', 1);
  for (const bin of bins) assertLists('snapshot', snapshot.signed.meta[`${bin.role}.json`]?.version, `${bin.role}.json`, 1);
  assertLists('timestamp', timestamp.signed.snapshotMeta.version, 'snapshot.json', 1);
  const roles = Object.fromEntries(
    (['root', 'targets', 'snapshot', 'timestamp'] as const).map((r) => [
      r,
      { keyIds: root.signed.roles[r]!.keyIDs, threshold: root.signed.roles[r]!.threshold },
    ]),
  ) as Record<TufRole, { keyIds: string[]; threshold: number }>;
  const doc = (m: { signed: { version: number; expires: string } }, json: Signed) => ({
    fleet,
    version: m.signed.version,
    expires: m.signed.expires,
    metadata: json,
  });
  return [
    {
      type: 'TufRepositoryInitialised',
      schemaVersion: 1,
      data: { fleet, development: command.development, consistentSnapshot: true, roles },
    },
    { type: 'RootMetadataSigned', schemaVersion: 1, data: doc(root, command.signed.root) },
    { type: 'TargetsSigned', schemaVersion: 1, data: { ...doc(targets, command.signed.targets), targetPaths: [] } },
    ...bins.map((bin) => binSigned(fleet, bin)),
    { type: 'SnapshotSigned', schemaVersion: 1, data: doc(snapshot, command.signed.snapshot) },
    { type: 'TimestampRenewed', schemaVersion: 1, data: doc(timestamp, command.signed.timestamp) },
  ];
}

const binSigned = (fleet: string, bin: CheckedBin): TufEvent => ({
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

function sign(command: Extract<TufCommand, { type: 'SignMetadata' }>, state: TufRepository): TufEvent[] {
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

const onlineRoles = ['targets', 'snapshot', 'timestamp'] as const;

function sameRole(a: Root, b: Root, role: string): boolean {
  const [x, y] = [a.roles[role], b.roles[role]];
  return !!x && !!y && x.threshold === y.threshold && [...x.keyIDs].sort().join() === [...y.keyIDs].sort().join();
}

/**
 * An offline-signed root: besides the rules of any new root (in `sign`), the node must never hold
 * its root keys, and it must hold the online keys it names, or the fleet could not be signed for.
 */
function importRoot(command: Extract<TufCommand, { type: 'ImportRoot' }>, state: TufRepository): TufEvent[] {
  if (state.status !== 'active') throw new RuleViolation('tuf.repository-absent', `fleet '${command.fleet}' has no TUF repository yet`);
  const root = readMetadata('root', command.root).signed;
  const online = root.roles.root!.keyIDs.filter(
    (id) => command.held.root.includes(id) || onlineRoles.some((r) => command.held[r].includes(id)),
  );
  if (online.length > 0)
    throw new RuleViolation('tuf.root-key-online', 'the new root trusts a root key the node holds; production root keys stay offline');
  for (const role of onlineRoles) {
    const named = root.roles[role]!;
    const held = named.keyIDs.filter((id) => command.held[role].includes(id));
    if (held.length < named.threshold) {
      throw new RuleViolation(
        'tuf.online-key-unknown',
        `the new root names ${role} keys the signer does not hold; export the online keys again and redo the ceremony`,
      );
    }
  }
  return sign(
    {
      type: 'SignMetadata',
      fleet: command.fleet,
      added: [],
      signed: { root: command.root, ...command.signed },
      bins: command.bins,
      now: command.now,
    },
    state,
  );
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

/** The TUF repository of one fleet, `ev.tuf.<fleet>.repository`. */
export const tufRepositoryDecider: Decider<TufCommand, TufEvent, TufRepository> = {
  initialState,
  evolve,
  decide(command, state) {
    switch (command.type) {
      case 'InitialiseRepository':
        return initialise(command, state);
      case 'SignMetadata':
        return sign(command, state);
      case 'ImportRoot':
        return importRoot(command, state);
      default:
        return assertNever(command);
    }
  },
};
