import { given, RuleViolation } from '@keelson/domain-kit';
import type { TufEvent } from '@keelson/events';
import { expiresAt, nextTimestamp, specVersion, type TargetEntry, type TufLifetimes } from '@keelson/tuf';
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
  custom: { keelson: { artifactId: 'art-1', manifest: { kind: 'model', framework: 'onnx', inputs: [], metrics: { mAP: 0.71 }, hardware: {} } } },
};
const config: TargetEntry = { path: 'config/settings/2/settings.json', length: 3, sha256: '2'.repeat(64), custom: { keelson: { artifactId: 'art-2', manifest: { kind: 'config' } } } };

const fold = (events: TufEvent[]) => events.reduce(decider.evolve, decider.initialState());
const active = (events: TufEvent[]) => fold(events) as Active;
const decide = (command: TufCommand, history: TufEvent[]) => decider.decide(command, fold(history));
const versions = (events: TufEvent[]) => events.map((e) => `${e.type}:${'version' in e.data ? e.data.version : '-'}`);

async function initialised(): Promise<TufEvent[]> {
  return decide(await planInitialisation('line-7', keys, lifetimes, t0), []);
}

async function withModel(): Promise<TufEvent[]> {
  const init = await initialised();
  return [...init, ...decide(await planTargets(active(init), [model], keys, lifetimes, at(10)), init)];
}

describe('the TUF repository of a fleet', () => {
  describe('when it is initialised', () => {
    it('records root, targets, snapshot and timestamp at version 1 in one decision, marked as development', async () => {
      const events = await initialised();
      expect(versions(events)).toEqual(['TufRepositoryInitialised:-', 'RootMetadataSigned:1', 'TargetsSigned:1', 'SnapshotSigned:1', 'TimestampRenewed:1']);
      const init = events[0] as Extract<TufEvent, { type: 'TufRepositoryInitialised' }>;
      expect(init.data).toMatchObject({ fleet: 'line-7', development: true, consistentSnapshot: true });
      expect(init.data.roles.timestamp).toEqual({ keyIds: [keys.keys.timestamp.keyID], threshold: 1 });
      expect((events[2] as Extract<TufEvent, { type: 'TargetsSigned' }>).data.targetPaths).toEqual([]);
    });

    it('does nothing when the fleet already has a repository', async () => {
      const history = await initialised();
      given(decider, history).when(await planInitialisation('line-7', fleetKeysFrom(generateKeyPems()), lifetimes, t0)).then([]);
    });

    it('refuses metadata its own root does not vouch for', async () => {
      const command = await planInitialisation('line-7', keys, lifetimes, t0);
      const other = await planInitialisation('line-7', fleetKeysFrom(generateKeyPems()), lifetimes, t0);
      if (command.type !== 'InitialiseRepository' || other.type !== 'InitialiseRepository') throw new Error('unexpected plan');
      given(decider, []).when({ ...command, signed: { ...command.signed, snapshot: other.signed.snapshot } }).thenThrows(RuleViolation, 'tuf.signature-invalid');
    });
  });

  describe('when an artifact is added', () => {
    it('signs targets, snapshot and timestamp one version up, chained to each other', async () => {
      const history = await withModel();
      const added = history.slice(5);
      expect(versions(added)).toEqual(['TargetsSigned:2', 'SnapshotSigned:2', 'TimestampRenewed:2']);
      expect((added[0] as Extract<TufEvent, { type: 'TargetsSigned' }>).data.targetPaths).toEqual([model.path]);
      const root = Metadata.fromJSON(MetadataKind.Root, active(history).documents.root!.metadata as never);
      const targets = Metadata.fromJSON(MetadataKind.Targets, signedData(added[0]).metadata as never);
      expect(() => root.verifyDelegate('targets', targets)).not.toThrow();
      expect(targets.signed.targets[model.path]!.custom).toEqual({
        keelson: { artifactId: 'art-1', manifest: { kind: 'model', framework: 'onnx', inputs: [], metrics: { mAP: '0.71' }, hardware: {} } },
      });
      const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, signedData(added[1]).metadata as never);
      const timestamp = Metadata.fromJSON(MetadataKind.Timestamp, signedData(added[2]).metadata as never);
      expect(snapshot.signed.meta['targets.json']!.version).toBe(2);
      expect(timestamp.signed.snapshotMeta.version).toBe(2);
    });

    it('keeps the targets signed before', async () => {
      const history = await withModel();
      const events = decide(await planTargets(active(history), [config], keys, lifetimes, at(20)), history);
      const targets = Metadata.fromJSON(MetadataKind.Targets, signedData(events[0]).metadata as never);
      expect(Object.keys(targets.signed.targets).sort()).toEqual([config.path, model.path]);
      expect(versions(events)).toEqual(['TargetsSigned:3', 'SnapshotSigned:3', 'TimestampRenewed:3']);
    });

    it('changes nothing when the same target is delivered again', async () => {
      const history = await withModel();
      given(decider, history).when(await planTargets(active(history), [model], keys, lifetimes, at(30))).then([]);
    });

    it('refuses the same path with other contents, and never overwrites it', async () => {
      const history = await withModel();
      const clash = { ...model, sha256: 'f'.repeat(64) };
      given(decider, history).when(await planTargets(active(history), [clash], keys, lifetimes, at(30))).thenThrows(RuleViolation, 'tuf.target-conflict');
    });

    it('refuses metadata prepared from a stale state (rollback defence)', async () => {
      const init = await initialised();
      const stale = await planTargets(active(init), [config], keys, lifetimes, at(20));
      given(decider, await withModel()).when(stale).thenThrows(RuleViolation, 'tuf.version-not-next');
    });

    it('refuses targets metadata that drops a signed target', async () => {
      const history = await withModel();
      const command = await planTargets(active(history), [config], keys, lifetimes, at(20));
      if (command.type !== 'SignMetadata') throw new Error('unexpected plan');
      const dropped = new Targets({ version: 3, specVersion, expires: expiresAt(at(20), 1800) });
      const signed = { ...command.signed, targets: await keys.sign('targets', dropped) };
      given(decider, history).when({ ...command, signed }).thenThrows(RuleViolation, 'tuf.target-changed');
    });

    it('refuses a timestamp that lists another snapshot version', async () => {
      const history = await withModel();
      const command = await planTargets(active(history), [config], keys, lifetimes, at(20));
      if (command.type !== 'SignMetadata') throw new Error('unexpected plan');
      const current = Metadata.fromJSON(MetadataKind.Timestamp, active(history).documents.timestamp!.metadata as never).signed;
      const wrong = await keys.sign('timestamp', nextTimestamp(current, 2, at(20), 300));
      given(decider, history).when({ ...command, signed: { ...command.signed, timestamp: wrong } }).thenThrows(RuleViolation, 'tuf.meta-mismatch');
    });

    it('refuses metadata signed with the key of another role', async () => {
      const history = await withModel();
      const command = await planTargets(active(history), [config], keys, lifetimes, at(20));
      if (command.type !== 'SignMetadata') throw new Error('unexpected plan');
      const ts = Metadata.fromJSON(MetadataKind.Timestamp, command.signed.timestamp as never).signed;
      const byTargetsKey = await keys.sign('targets', ts as unknown as Timestamp);
      given(decider, history).when({ ...command, signed: { ...command.signed, timestamp: byTargetsKey } }).thenThrows(RuleViolation, 'tuf.signature-invalid');
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
      given(decider, history).when({ ...command, now: at(600) }).thenThrows(RuleViolation, 'tuf.expired');
    });

    it('renews the root with the same keys, signed by the trusted root', async () => {
      const history = await withModel();
      const events = decide((await planRenewalSigning(active(history), keys, lifetimes, at(1900)))!, history);
      expect(versions(events)).toEqual(['RootMetadataSigned:2', 'TargetsSigned:3', 'SnapshotSigned:3', 'TimestampRenewed:3']);
    });
  });
});
