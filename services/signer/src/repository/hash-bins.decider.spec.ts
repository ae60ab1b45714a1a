import { given, RuleViolation } from '@keelson/domain-kit';
import type { TufEvent } from '@keelson/events';
import { binNames, binOf, nextDelegatingTargets, type TargetEntry, type TufLifetimes } from '@keelson/tuf';
import { Metadata, MetadataKind } from '@tufjs/models';
import { fleetKeysFrom, generateKeyPem, generateKeyPems, publicKeyOf, storedKeyOf, type FleetKeys } from '../keys/fleet-keys.js';
import { flatRepositoryEvents } from '../test-fixtures/flat-repository.js';
import { planOnlineKeyRotation } from './root-plans.js';
import { planInitialisation, planRedelegation, planTargets } from './signing-plans.js';
import { tufRepositoryDecider as decider, type TufCommand } from './tuf-repository.decider.js';
import type { TufRepository } from './tuf-repository.evolve.js';

type Active = Extract<TufRepository, { status: 'active' }>;

const lifetimes: TufLifetimes = { root: 3600, targets: 1800, snapshot: 900, timestamp: 300 };
const t0 = new Date('2026-11-23T07:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const keys = fleetKeysFrom(generateKeyPems());
const entry = (i: number): TargetEntry => ({
  path: `model/m${i}/1.0.0/m.onnx`,
  length: i + 1,
  sha256: i.toString(16).padStart(64, '0'),
  custom: { keelson: { artifactId: `a-${i}` } },
});
const flatEntries = [1, 2, 3, 4, 5, 6, 7, 8].map(entry);

const fold = (events: TufEvent[]) => events.reduce(decider.evolve, decider.initialState());
const active = (events: TufEvent[]) => fold(events) as Active;
const decide = (command: TufCommand, history: TufEvent[]) => decider.decide(command, fold(history));
const signedBins = (events: TufEvent[]) => events.flatMap((e) => (e.type === 'DelegatedTargetsSigned' ? [e] : []));
const topOf = (state: Active) => Metadata.fromJSON(MetadataKind.Targets, state.documents.targets!.metadata as never).signed;
const pemOf = (k: FleetKeys, role: string) =>
  k.held
    .find((h) => h.role === role)!
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();

describe('a repository from before hash bins', () => {
  let flat: TufEvent[];
  beforeAll(async () => {
    flat = await flatRepositoryEvents('old-yard', keys, flatEntries, lifetimes, t0);
  });

  it('takes no new target until it is re-delegated', async () => {
    given(decider, flat)
      .when({ type: 'SignMetadata', fleet: 'old-yard', added: [entry(20)], signed: {}, now: at(10) })
      .thenThrows(RuleViolation, 'tuf.not-delegated');
  });

  it('is re-delegated in one decision: every flat target moves unchanged into its bin, the top-level targets keeps none', async () => {
    const events = decide(await planRedelegation(active(flat), 4, keys, lifetimes, at(10)), flat);
    expect(events.map((e) => e.type)).toEqual([
      'TargetsSigned',
      ...Array(4).fill('DelegatedTargetsSigned'),
      'SnapshotSigned',
      'TimestampRenewed',
    ]);
    const after = active([...flat, ...events]);
    const top = topOf(after);
    expect([top.version, Object.keys(top.targets)]).toEqual([3, []]);
    const old = Metadata.fromJSON(MetadataKind.Targets, active(flat).documents.targets!.metadata as never).signed;
    for (const e of flatEntries) {
      const bin = Metadata.fromJSON(MetadataKind.Targets, after.bins[binOf(top, e.path)]!.metadata as never).signed;
      expect(bin.targets[e.path]!.equals(old.targets[e.path]!)).toBe(true);
    }
    // Moved, not added: the facade publishes nothing again.
    expect(signedBins(events).flatMap((e) => e.data.targetPaths)).toEqual([]);
    const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, after.documents.snapshot!.metadata as never).signed;
    expect(Object.keys(snapshot.meta).sort()).toEqual(['bins-0.json', 'bins-1.json', 'bins-2.json', 'bins-3.json', 'targets.json']);
  });

  it('refuses a re-delegation that drops a flat target', async () => {
    const command = await planRedelegation(active(flat), 4, keys, lifetimes, at(10));
    if (command.type !== 'SignMetadata') throw new Error('unexpected plan');
    const top = nextDelegatingTargets(
      topOf(active(flat)),
      Metadata.fromJSON(MetadataKind.Root, active(flat).documents.root!.metadata as never).signed,
      4,
      at(10),
      1800,
    );
    const victim = binOf(top, flatEntries[0]!.path);
    const emptied = await planInitialisation('x', keys, lifetimes, 4, at(10));
    if (emptied.type !== 'InitialiseRepository') throw new Error('unexpected plan');
    given(decider, flat)
      .when({ ...command, bins: { ...command.bins, [victim]: emptied.bins[victim]! } })
      .thenThrows(RuleViolation, 'tuf.target-changed');
  });

  it('then signs new targets into their bins only', async () => {
    const redelegated = [...flat, ...decide(await planRedelegation(active(flat), 4, keys, lifetimes, at(10)), flat)];
    const events = decide(await planTargets(active(redelegated), [entry(20)], keys, lifetimes, at(20)), redelegated);
    expect(events.map((e) => e.type)).toEqual(['DelegatedTargetsSigned', 'SnapshotSigned', 'TimestampRenewed']);
    expect(signedBins(events)[0]!.data).toMatchObject({
      role: binOf(topOf(active(redelegated)), entry(20).path),
      version: 2,
      targetPaths: [entry(20).path],
    });
  });
});

describe('rotating the targets key of a repository with hash bins', () => {
  let history: TufEvent[];
  beforeAll(async () => {
    const init = decide(await planInitialisation('yard', keys, lifetimes, 4, t0), []);
    history = [...init, ...decide(await planTargets(active(init), [entry(1), entry(2)], keys, lifetimes, at(5)), init)];
  });

  const rotated = (role: 'targets' | 'snapshot') => {
    const pem = generateKeyPem();
    const stored = keys.held.map((h) => storedKeyOf(h.role, pemOf(keys, h.role)));
    return { key: publicKeyOf(pem).key, keys: fleetKeysFrom([...stored, storedKeyOf(role, pem)]) };
  };

  it('re-signs every bin, trusted through the new key only', async () => {
    const next = rotated('targets');
    const events = decide(await planOnlineKeyRotation(active(history), 'targets', next.key, next.keys, lifetimes, at(10)), history);
    expect(signedBins(events).map((e) => e.data.role)).toEqual(['bins-0', 'bins-1', 'bins-2', 'bins-3']);
    const top = topOf(active([...history, ...events]));
    expect(top.delegations!.succinctRoles!.keyIDs).toEqual([next.key.keyID]);
    for (const e of signedBins(events)) {
      const bin = Metadata.fromJSON(MetadataKind.Targets, e.data.metadata as never);
      expect(() => new Metadata(top).verifyDelegate(e.data.role, bin)).not.toThrow();
      expect(e.data.targetPaths).toEqual([]);
    }
  });

  it('refuses the new root without every bin re-signed, or with the bins still trusted through the old key', async () => {
    const next = rotated('targets');
    const command = await planOnlineKeyRotation(active(history), 'targets', next.key, next.keys, lifetimes, at(10));
    if (command.type !== 'SignMetadata') throw new Error('unexpected plan');
    const { 'bins-2': _, ...three } = command.bins!;
    given(decider, history)
      .when({ ...command, bins: three })
      .thenThrows(RuleViolation, 'tuf.bins-missing');
    const oldDelegation = await next.keys.sign('targets', nextTop(history));
    given(decider, history)
      .when({ ...command, signed: { ...command.signed, targets: oldDelegation } })
      .thenThrows(RuleViolation, 'tuf.delegation-keys');
  });

  it('leaves the bins alone when another key rotates', async () => {
    const next = rotated('snapshot');
    const events = decide(await planOnlineKeyRotation(active(history), 'snapshot', next.key, next.keys, lifetimes, at(10)), history);
    expect(events.map((e) => e.type)).toEqual(['RootMetadataSigned', 'TargetsSigned', 'SnapshotSigned', 'TimestampRenewed']);
  });

  it('never changes the number of bins', async () => {
    const command = await planTargets(active(history), [entry(3)], keys, lifetimes, at(10));
    if (command.type !== 'SignMetadata') throw new Error('unexpected plan');
    const root = Metadata.fromJSON(MetadataKind.Root, active(history).documents.root!.metadata as never).signed;
    const eight = nextDelegatingTargets(topOf(active(history)), root, 8, at(10), 1800);
    expect(binNames(eight)).toHaveLength(8);
    given(decider, history)
      .when({ ...command, signed: { ...command.signed, targets: await keys.sign('targets', eight) } })
      .thenThrows(RuleViolation, 'tuf.bins-changed');
  });
});

/** The next top-level targets with the delegation it has now (still naming the old targets key). */
function nextTop(history: TufEvent[]) {
  const state = active(history);
  const root = Metadata.fromJSON(MetadataKind.Root, state.documents.root!.metadata as never).signed;
  return nextDelegatingTargets(topOf(state), root, 4, at(10), 1800);
}
