import { given, RuleViolation } from '@keelson/domain-kit';
import type { TufEvent } from '@keelson/events';
import { binOf, expiresAt, nextTimestamp, specVersion, type TargetEntry, type TufLifetimes } from '@keelson/tuf';
import { Metadata, MetadataKind, Targets, Timestamp } from '@tufjs/models';
import { fleetKeysFrom, generateKeyPems } from '../keys/fleet-keys.js';
import { planInitialisation, planRenewalSigning, planTargets } from './signing-plans.js';
import { tufRepositoryDecider as decider, type TufCommand } from './tuf-repository.decider.js';
import type { TufRepository } from './tuf-repository.evolve.js';

/** The data of a signing event (every TUF event but the initialisation). */
function signedData(e: TufEvent | undefined): { version: number; expires: string; metadata: Record<string, unknown> } {
  if (!e || e.type === 'TufRepositoryInitialised') throw new Error(`not a signing event: ${e?.type}`);
  return e.data;
}

type Active = Extract<TufRepository, { status: 'active' }>;

const lifetimes: TufLifetimes = { root: 3600, targets: 1800, snapshot: 900, timestamp: 300 };
const t0 = new Date('2026-11-23T07:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const keys = fleetKeysFrom(generateKeyPems());
const model: TargetEntry = {
  path: 'model/detector/1.0.0/detector.onnx',
  length: 11,
  sha256: '1'.repeat(64),
  custom: {
    keelson: { artifactId: 'art-1', manifest: { kind: 'model', framework: 'onnx', inputs: [], metrics: { mAP: 0.71 }, hardware: {} } },
  },
};
const config: TargetEntry = {
  path: 'config/settings/2/settings.json',
  length: 3,
  sha256: '2'.repeat(64),
  custom: { keelson: { artifactId: 'art-2', manifest: { kind: 'config' } } },
};

const bins = 4;
const fold = (events: TufEvent[]) => events.reduce(decider.evolve, decider.initialState());
const active = (events: TufEvent[]) => fold(events) as Active;
const decide = (command: TufCommand, history: TufEvent[]) => decider.decide(command, fold(history));
const versions = (events: TufEvent[]) => events.map((e) => `${e.type}:${'version' in e.data ? e.data.version : '-'}`);

async function initialised(): Promise<TufEvent[]> {
  return decide(await planInitialisation('line-7', keys, lifetimes, bins, t0), []);
}

async function withModel(): Promise<TufEvent[]> {
  const init = await initialised();
  return [...init, ...decide(await planTargets(active(init), [model], keys, lifetimes, at(10)), init)];
}

const topOf = (history: TufEvent[]) => Metadata.fromJSON(MetadataKind.Targets, active(history).documents.targets!.metadata as never).signed;

/** A config target that hashes into the same bin as `path`. */
function inBinOf(history: TufEvent[], path: string): TargetEntry {
  const top = topOf(history);
  const candidates = Array.from({ length: 64 }, (_, i) => ({ ...config, path: `config/c${i}/1/c.json` }));
  return candidates.find((e) => binOf(top, e.path) === binOf(top, path))!;
}

describe('the TUF repository of a fleet', () => {
  describe('when it is initialised', () => {
    it('records root, targets delegating to empty hash bins, the bins, snapshot and timestamp at version 1 in one decision, marked as development', async () => {
      const events = await initialised();
      expect(versions(events)).toEqual([
        'TufRepositoryInitialised:-',
        'RootMetadataSigned:1',
        'TargetsSigned:1',
        'DelegatedTargetsSigned:1',
        'DelegatedTargetsSigned:1',
        'DelegatedTargetsSigned:1',
        'DelegatedTargetsSigned:1',
        'SnapshotSigned:1',
        'TimestampRenewed:1',
      ]);
      expect(events.flatMap((e) => (e.type === 'DelegatedTargetsSigned' ? [e.data.role] : []))).toEqual([
        'bins-0',
        'bins-1',
        'bins-2',
        'bins-3',
      ]);
      const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, signedData(events[7]).metadata as never).signed;
      expect(Object.keys(snapshot.meta).sort()).toEqual(['bins-0.json', 'bins-1.json', 'bins-2.json', 'bins-3.json', 'targets.json']);
      const init = events[0] as Extract<TufEvent, { type: 'TufRepositoryInitialised' }>;
      expect(init.data).toMatchObject({ fleet: 'line-7', development: true, consistentSnapshot: true });
      expect(init.data.roles.timestamp).toEqual({ keyIds: [keys.keys.timestamp.keyID], threshold: 1 });
      expect((events[2] as Extract<TufEvent, { type: 'TargetsSigned' }>).data.targetPaths).toEqual([]);
    });

    it('does nothing when the fleet already has a repository', async () => {
      const history = await initialised();
      given(decider, history)
        .when(await planInitialisation('line-7', fleetKeysFrom(generateKeyPems()), lifetimes, bins, t0))
        .then([]);
    });

    it('refuses metadata its own root does not vouch for', async () => {
      const command = await planInitialisation('line-7', keys, lifetimes, bins, t0);
      const other = await planInitialisation('line-7', fleetKeysFrom(generateKeyPems()), lifetimes, bins, t0);
      if (command.type !== 'InitialiseRepository' || other.type !== 'InitialiseRepository') throw new Error('unexpected plan');
      given(decider, [])
        .when({ ...command, signed: { ...command.signed, snapshot: other.signed.snapshot } })
        .thenThrows(RuleViolation, 'tuf.signature-invalid');
      given(decider, [])
        .when({ ...command, bins: { ...command.bins, 'bins-2': other.bins['bins-2']! } })
        .thenThrows(RuleViolation, 'tuf.signature-invalid');
    });

    it('refuses a repository without every hash bin', async () => {
      const command = await planInitialisation('line-7', keys, lifetimes, bins, t0);
      if (command.type !== 'InitialiseRepository') throw new Error('unexpected plan');
      const { 'bins-3': _, ...three } = command.bins;
      given(decider, [])
        .when({ ...command, bins: three })
        .thenThrows(RuleViolation, 'tuf.bins-missing');
    });
  });

  describe('when an artifact is added', () => {
    it('signs only its hash bin, snapshot and timestamp one version up, chained to each other', async () => {
      const history = await withModel();
      const added = history.slice(9);
      expect(versions(added)).toEqual(['DelegatedTargetsSigned:2', 'SnapshotSigned:2', 'TimestampRenewed:2']);
      const binEvent = added[0] as Extract<TufEvent, { type: 'DelegatedTargetsSigned' }>;
      const top = Metadata.fromJSON(MetadataKind.Targets, active(history).documents.targets!.metadata as never);
      expect(binEvent.data).toMatchObject({ role: binOf(top.signed, model.path), targetPaths: [model.path] });
      const targets = Metadata.fromJSON(MetadataKind.Targets, signedData(added[0]).metadata as never);
      expect(() => top.verifyDelegate(binEvent.data.role, targets)).not.toThrow();
      expect(top.signed.targets).toEqual({});
      expect(targets.signed.targets[model.path]!.custom).toEqual({
        keelson: {
          artifactId: 'art-1',
          manifest: { kind: 'model', framework: 'onnx', inputs: [], metrics: { mAP: '0.71' }, hardware: {} },
        },
      });
      const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, signedData(added[1]).metadata as never);
      const timestamp = Metadata.fromJSON(MetadataKind.Timestamp, signedData(added[2]).metadata as never);
      expect(snapshot.signed.meta['targets.json']!.version).toBe(1);
      expect(snapshot.signed.meta[`${binEvent.data.role}.json`]!.version).toBe(2);
      expect(
        Object.values(snapshot.signed.meta)
          .map((m) => m.version)
          .sort(),
      ).toEqual([1, 1, 1, 1, 2]);
      expect(timestamp.signed.snapshotMeta.version).toBe(2);
    });

    it('keeps the targets signed before in the bin', async () => {
      const history = await withModel();
      const entry = inBinOf(history, model.path);
      const events = decide(await planTargets(active(history), [entry], keys, lifetimes, at(20)), history);
      const targets = Metadata.fromJSON(MetadataKind.Targets, signedData(events[0]).metadata as never);
      expect(Object.keys(targets.signed.targets).sort()).toEqual([entry.path, model.path].sort());
      expect(versions(events)).toEqual(['DelegatedTargetsSigned:3', 'SnapshotSigned:3', 'TimestampRenewed:3']);
    });

    it('signs several new targets of several bins in one decision, each bin once', async () => {
      const history = await initialised();
      const entries = Array.from({ length: 12 }, (_, i) => ({ ...config, path: `config/c${i}/1/c.json` }));
      const events = decide(await planTargets(active(history), entries, keys, lifetimes, at(20)), history);
      const signedBins = events.filter((e) => e.type === 'DelegatedTargetsSigned');
      expect(new Set(signedBins.map((e) => e.data.role)).size).toBe(signedBins.length);
      expect(signedBins.flatMap((e) => e.data.targetPaths).sort()).toEqual(entries.map((e) => e.path).sort());
      expect(versions(events).slice(-2)).toEqual(['SnapshotSigned:2', 'TimestampRenewed:2']);
    });

    it('changes nothing when the same target is delivered again', async () => {
      const history = await withModel();
      given(decider, history)
        .when(await planTargets(active(history), [model], keys, lifetimes, at(30)))
        .then([]);
    });

    it('refuses the same path with other contents, and never overwrites it', async () => {
      const history = await withModel();
      const clash = { ...model, sha256: 'f'.repeat(64) };
      given(decider, history)
        .when(await planTargets(active(history), [clash], keys, lifetimes, at(30)))
        .thenThrows(RuleViolation, 'tuf.target-conflict');
    });

    it('refuses metadata prepared from a stale state (rollback defence)', async () => {
      const init = await initialised();
      const stale = await planTargets(active(init), [config], keys, lifetimes, at(20));
      given(decider, await withModel())
        .when(stale)
        .thenThrows(RuleViolation, 'tuf.version-not-next');
    });

    it("refuses a bin that drops a signed target, and a bin that is not the new target's", async () => {
      const history = await withModel();
      const modelBin = binOf(topOf(history), model.path);
      const entry = inBinOf(history, model.path);
      const command = await planTargets(active(history), [entry], keys, lifetimes, at(20));
      if (command.type !== 'SignMetadata') throw new Error('unexpected plan');
      const dropped = new Targets({ version: 3, specVersion, expires: expiresAt(at(20), 1800) });
      given(decider, history)
        .when({ ...command, bins: { [modelBin]: await keys.sign('targets', dropped) } })
        .thenThrows(RuleViolation, 'tuf.target-changed');
      const other = [0, 1, 2, 3].map((i) => `bins-${i}`).find((b) => b !== modelBin)!;
      given(decider, history)
        .when({ ...command, bins: { [other]: command.bins![modelBin]! } })
        .thenThrows(RuleViolation, 'tuf.bins-missing');
    });

    it("refuses a bin signed with another role's key, or a target put into the top-level targets", async () => {
      const history = await withModel();
      const command = await planTargets(active(history), [config], keys, lifetimes, at(20));
      if (command.type !== 'SignMetadata') throw new Error('unexpected plan');
      const [bin, json] = Object.entries(command.bins!)[0]!;
      const bySnapshotKey = await keys.sign('snapshot', Metadata.fromJSON(MetadataKind.Targets, json as never).signed);
      given(decider, history)
        .when({ ...command, bins: { [bin]: bySnapshotKey } })
        .thenThrows(RuleViolation, 'tuf.signature-invalid');
      const top = Metadata.fromJSON(MetadataKind.Targets, active(history).documents.targets!.metadata as never).signed;
      const flat = new Targets({
        version: 2,
        specVersion,
        expires: expiresAt(at(20), 1800),
        targets: { [config.path]: Metadata.fromJSON(MetadataKind.Targets, json as never).signed.targets[config.path]! },
        delegations: top.delegations,
      });
      given(decider, history)
        .when({ ...command, signed: { ...command.signed, targets: await keys.sign('targets', flat) } })
        .thenThrows(RuleViolation, 'tuf.targets-unexpected');
    });

    it('refuses a timestamp that lists another snapshot version', async () => {
      const history = await withModel();
      const command = await planTargets(active(history), [config], keys, lifetimes, at(20));
      if (command.type !== 'SignMetadata') throw new Error('unexpected plan');
      const current = Metadata.fromJSON(MetadataKind.Timestamp, active(history).documents.timestamp!.metadata as never).signed;
      const wrong = await keys.sign('timestamp', nextTimestamp(current, 2, at(20), 300));
      given(decider, history)
        .when({ ...command, signed: { ...command.signed, timestamp: wrong } })
        .thenThrows(RuleViolation, 'tuf.meta-mismatch');
    });

    it('refuses metadata signed with the key of another role', async () => {
      const history = await withModel();
      const command = await planTargets(active(history), [config], keys, lifetimes, at(20));
      if (command.type !== 'SignMetadata') throw new Error('unexpected plan');
      const ts = Metadata.fromJSON(MetadataKind.Timestamp, command.signed.timestamp as never).signed;
      const byTargetsKey = await keys.sign('targets', ts as unknown as Timestamp);
      given(decider, history)
        .when({ ...command, signed: { ...command.signed, timestamp: byTargetsKey } })
        .thenThrows(RuleViolation, 'tuf.signature-invalid');
    });

    it('refuses to sign for a fleet without a repository', async () => {
      const history = await withModel();
      const command = await planTargets(active(history), [config], keys, lifetimes, at(20));
      given(decider, []).when(command).thenThrows(RuleViolation, 'tuf.repository-absent');
    });
  });

  describe('when time passes', () => {
    it('renews nothing while every role has more than half its lifetime left', async () => {
      expect(await planRenewalSigning(active(await initialised()), keys, lifetimes, at(100))).toBeNull();
    });

    it('renews the timestamp alone, pointing at the same snapshot', async () => {
      const history = await withModel();
      const events = decide((await planRenewalSigning(active(history), keys, lifetimes, at(200)))!, history);
      expect(versions(events)).toEqual(['TimestampRenewed:3']);
      expect(signedData(events[0]).expires).toBe(expiresAt(at(200), 300));
      expect(Metadata.fromJSON(MetadataKind.Timestamp, signedData(events[0]).metadata as never).signed.snapshotMeta.version).toBe(2);
    });

    it('renews the snapshot with the timestamp when the snapshot nears its expiry', async () => {
      const history = await withModel();
      const events = decide((await planRenewalSigning(active(history), keys, lifetimes, at(500)))!, history);
      expect(versions(events)).toEqual(['SnapshotSigned:3', 'TimestampRenewed:3']);
    });

    it('refuses metadata that is already expired', async () => {
      const history = await withModel();
      const command = (await planRenewalSigning(active(history), keys, lifetimes, at(200)))!;
      given(decider, history)
        .when({ ...command, now: at(600) })
        .thenThrows(RuleViolation, 'tuf.expired');
    });

    it('renews every bin past half its lifetime with the targets, snapshot and timestamp', async () => {
      const history = await withModel();
      const events = decide((await planRenewalSigning(active(history), keys, lifetimes, at(1000)))!, history);
      const renewedBins = events.filter((e) => e.type === 'DelegatedTargetsSigned');
      expect(renewedBins.map((e) => e.data.role).sort()).toEqual(['bins-0', 'bins-1', 'bins-2', 'bins-3']);
      expect(renewedBins.every((e) => e.data.targetPaths.length === 0 && e.data.expires === expiresAt(at(1000), 1800))).toBe(true);
      expect(versions(events).filter((v) => !v.startsWith('Delegated'))).toEqual([
        'TargetsSigned:2',
        'SnapshotSigned:3',
        'TimestampRenewed:3',
      ]);
    });

    it('renews the root with the same keys, signed by the trusted root', async () => {
      const history = await withModel();
      const events = decide((await planRenewalSigning(active(history), keys, lifetimes, at(1900)))!, history);
      expect(versions(events).filter((v) => !v.startsWith('Delegated'))).toEqual([
        'RootMetadataSigned:2',
        'TargetsSigned:2',
        'SnapshotSigned:3',
        'TimestampRenewed:3',
      ]);
    });
  });
});
