import { given, RuleViolation } from '@keelson/domain-kit';
import type { TufEvent } from '@keelson/events';
import { binOf, expiresAt, nextTimestamp, specVersion } from '@keelson/tuf';
import { Metadata, MetadataKind, Targets, Timestamp } from '@tufjs/models';
import {
  active,
  at,
  config,
  decide,
  inBinOf,
  initialised,
  keys,
  lifetimes,
  model,
  signedData,
  topOf,
  versions,
  withModel,
} from '../test-fixtures/tuf-repository-history.js';
import { planTargets } from './signing-plans.js';
import { tufRepositoryDecider as decider } from './tuf-repository.decider.js';

describe('the TUF repository of a fleet', () => {
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
});
