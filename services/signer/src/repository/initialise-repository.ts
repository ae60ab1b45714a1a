import { RuleViolation } from '@keelson/domain-kit';
import type { TufEvent, TufRole } from '@keelson/events';
import { assertDelegatingTargets, checkBins } from './bin-checks.js';
import { assertLists, assertNextVersion, assertNotExpired, assertSignedBy, readMetadata } from './metadata-checks.js';
import { binSigned } from './sign-metadata.js';
import type { Active, Signed, TufCommand } from './tuf-repository.decider.js';
import type { TufRepository } from './tuf-repository.evolve.js';

export function initialise(command: Extract<TufCommand, { type: 'InitialiseRepository' }>, state: TufRepository): TufEvent[] {
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
