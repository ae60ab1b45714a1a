import { RuleViolation, assertNever, type Decider } from '@keelson/domain-kit';
import type { TufEvent, TufRole } from '@keelson/events';
import { standingOf, type TargetEntry } from '@keelson/tuf';
import type { Root, TargetFile } from '@tufjs/models';
import { assertLists, assertNextVersion, assertNotExpired, assertSignedBy, readMetadata } from './metadata-checks.js';
import { documentOf, evolve, initialState, type TufRepository } from './tuf-repository.evolve.js';

type Signed = Record<string, unknown>;

/**
 * What the signer asks of a repository. The metadata arrives already signed (the handler prepares
 * and signs it outside, where the keys are); `decide` checks it as a device would and records it.
 */
export type TufCommand =
  | { type: 'InitialiseRepository'; fleet: string; development: boolean; signed: Record<TufRole, Signed>; now: Date }
  | { type: 'SignMetadata'; fleet: string; added: TargetEntry[]; signed: Partial<Record<TufRole, Signed>>; now: Date }
  | {
      type: 'ImportRoot';
      fleet: string;
      /** The offline-signed root (counter-signed by the signer's development root key when that is what the current root trusts). */
      root: Signed;
      /** Targets, snapshot and timestamp re-signed with the online keys the new root names. */
      signed: Record<Exclude<TufRole, 'root'>, Signed>;
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
  for (const [role, m] of [['root', root], ['targets', targets], ['snapshot', snapshot], ['timestamp', timestamp]] as const) {
    assertNextVersion(role, m.signed, 0);
    assertNotExpired(role, m.signed, now);
  }
  if (Object.keys(targets.signed.targets).length > 0) throw new RuleViolation('tuf.initial-targets', 'a new repository starts with no targets');
  if (!root.signed.consistentSnapshot) throw new RuleViolation('tuf.consistent-snapshot', 'Keelson repositories use consistent snapshots');
  assertLists('snapshot', snapshot.signed.meta['targets.json']?.version, 'targets.json', 1);
  assertLists('timestamp', timestamp.signed.snapshotMeta.version, 'snapshot.json', 1);
  const roles = Object.fromEntries(
    (['root', 'targets', 'snapshot', 'timestamp'] as const).map((r) => [r, { keyIds: root.signed.roles[r]!.keyIDs, threshold: root.signed.roles[r]!.threshold }]),
  ) as Record<TufRole, { keyIds: string[]; threshold: number }>;
  const doc = (m: { signed: { version: number; expires: string } }, json: Signed) => ({ fleet, version: m.signed.version, expires: m.signed.expires, metadata: json });
  return [
    { type: 'TufRepositoryInitialised', schemaVersion: 1, data: { fleet, development: command.development, consistentSnapshot: true, roles } },
    { type: 'RootMetadataSigned', schemaVersion: 1, data: doc(root, command.signed.root) },
    { type: 'TargetsSigned', schemaVersion: 1, data: { ...doc(targets, command.signed.targets), targetPaths: [] } },
    { type: 'SnapshotSigned', schemaVersion: 1, data: doc(snapshot, command.signed.snapshot) },
    { type: 'TimestampRenewed', schemaVersion: 1, data: doc(timestamp, command.signed.timestamp) },
  ];
}

/** The targets among `added` that are not signed yet; a clash with a signed target is refused. */
function newTargets(state: Active, added: TargetEntry[]): TargetEntry[] {
  const current = readMetadata('targets', documentOf(state, 'targets').metadata).signed;
  const fresh: TargetEntry[] = [];
  for (const entry of added) {
    const standing = standingOf(current, entry);
    if (standing === 'conflict') {
      throw new RuleViolation('tuf.target-conflict', `target '${entry.path}' is already signed with other contents; a signed target is never replaced`);
    }
    if (standing === 'new') fresh.push(entry);
  }
  return fresh;
}

function sign(command: Extract<TufCommand, { type: 'SignMetadata' }>, state: TufRepository): TufEvent[] {
  if (state.status !== 'active') throw new RuleViolation('tuf.repository-absent', `fleet '${command.fleet}' has no TUF repository yet`);
  const fresh = newTargets(state, command.added);
  if (command.added.length > 0 && fresh.length === 0) return []; // every target is already signed as asked
  const { signed, now } = command;
  if (fresh.length > 0 && !signed.targets) throw new RuleViolation('tuf.targets-missing', 'new targets need a new targets metadata');
  if (signed.targets && !signed.snapshot) throw new RuleViolation('tuf.snapshot-missing', 'a new targets metadata needs a new snapshot');
  if (signed.snapshot && !signed.timestamp) throw new RuleViolation('tuf.timestamp-missing', 'a new snapshot needs a new timestamp');

  const currentRoot = readMetadata('root', documentOf(state, 'root').metadata).signed;
  const events: TufEvent[] = [];
  const fleet = state.fleet;
  const check = (role: TufRole, m: { signed: { version: number; expires: string } }) => {
    assertNextVersion(role, m.signed, documentOf(state, role).version);
    assertNotExpired(role, m.signed, now);
  };
  const data = (m: { signed: { version: number; expires: string } }, json: Signed) => ({ fleet, version: m.signed.version, expires: m.signed.expires, metadata: json });

  // What a device trusts once it has the new root: the later roles are checked against it.
  let trusted = currentRoot;
  if (signed.root) {
    const root = readMetadata('root', signed.root);
    check('root', root);
    // TUF spec 5.3.4: signed by the threshold of the trusted root's root keys and of its own.
    assertSignedBy(currentRoot, 'root', root);
    assertSignedBy(root.signed, 'root', root);
    if (!root.signed.consistentSnapshot) throw new RuleViolation('tuf.consistent-snapshot', 'Keelson repositories use consistent snapshots');
    // TUF spec 5.3.11: a device drops metadata of a role whose keys changed, so it needs new metadata signed by the new keys.
    const rotated = onlineRoles.some((r) => !sameRole(currentRoot, root.signed, r));
    if (rotated && !(signed.targets && signed.snapshot && signed.timestamp)) {
      throw new RuleViolation('tuf.rotation-incomplete', 'a root that changes online keys comes with targets, snapshot and timestamp signed by the new keys');
    }
    trusted = root.signed;
    events.push({ type: 'RootMetadataSigned', schemaVersion: 1, data: data(root, signed.root) });
  }
  let targetsVersion = documentOf(state, 'targets').version;
  if (signed.targets) {
    const targets = readMetadata('targets', signed.targets);
    check('targets', targets);
    assertSignedBy(trusted, 'targets', targets);
    assertTargetsAddExactly(state, targets.signed.targets, fresh);
    targetsVersion = targets.signed.version;
    events.push({ type: 'TargetsSigned', schemaVersion: 1, data: { ...data(targets, signed.targets), targetPaths: fresh.map((e) => e.path) } });
  }
  let snapshotVersion = documentOf(state, 'snapshot').version;
  if (signed.snapshot) {
    const snapshot = readMetadata('snapshot', signed.snapshot);
    check('snapshot', snapshot);
    assertSignedBy(trusted, 'snapshot', snapshot);
    assertLists('snapshot', snapshot.signed.meta['targets.json']?.version, 'targets.json', targetsVersion);
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
  const online = root.roles.root!.keyIDs.filter((id) => command.held.root.includes(id) || onlineRoles.some((r) => command.held[r].includes(id)));
  if (online.length > 0) throw new RuleViolation('tuf.root-key-online', 'the new root trusts a root key the node holds; production root keys stay offline');
  for (const role of onlineRoles) {
    const named = root.roles[role]!;
    const held = named.keyIDs.filter((id) => command.held[role].includes(id));
    if (held.length < named.threshold) {
      throw new RuleViolation('tuf.online-key-unknown', `the new root names ${role} keys the signer does not hold; export the online keys again and redo the ceremony`);
    }
  }
  return sign({ type: 'SignMetadata', fleet: command.fleet, added: [], signed: { root: command.root, ...command.signed }, now: command.now }, state);
}

/** The new targets keep every signed target unchanged and add exactly the new entries. */
function assertTargetsAddExactly(state: Active, next: Record<string, TargetFile>, fresh: TargetEntry[]): void {
  const current = readMetadata('targets', documentOf(state, 'targets').metadata).signed.targets;
  for (const [path, target] of Object.entries(current)) {
    if (!next[path] || !target.equals(next[path])) throw new RuleViolation('tuf.target-changed', `the new targets metadata changes or drops '${path}'`);
  }
  const added = Object.keys(next).filter((p) => !current[p]).sort();
  const expected = fresh.map((e) => e.path).sort();
  const same = added.length === expected.length && added.every((p, i) => p === expected[i]);
  const byPath = new Map(fresh.map((e) => [e.path, e]));
  if (!same || added.some((p) => next[p]!.hashes.sha256 !== byPath.get(p)!.sha256 || next[p]!.length !== byPath.get(p)!.length)) {
    throw new RuleViolation('tuf.targets-unexpected', `the new targets metadata adds [${added.join(', ')}], expected [${expected.join(', ')}]`);
  }
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
