import { Metadata, MetadataKind, type Root, type Snapshot, type Targets, type Timestamp } from '@tufjs/models';
import { parseTufEvent } from '@keelson/events';
import { KeyedRepository } from './keyed-repository.js';
import { day, newSigningKey, sha256 } from './signing-keys.js';
import { tufEventsOf } from './served-repository.js';

type Json = Parameters<typeof Metadata.fromJSON>[1];
const served = (repo: KeyedRepository, file: string) => JSON.parse(repo.metadata.get(file)!.toString('utf8')) as Json;
const rootOf = (repo: KeyedRepository, version: number) =>
  Metadata.fromJSON(MetadataKind.Root, served(repo, `${version}.root.json`)) as Metadata<Root>;
const targetsOf = (repo: KeyedRepository, file: string) => Metadata.fromJSON(MetadataKind.Targets, served(repo, file)) as Metadata<Targets>;
const snapshotOf = (document: object) => Metadata.fromJSON(MetadataKind.Snapshot, document as Json) as Metadata<Snapshot>;
const timestampOf = (document: object) => Metadata.fromJSON(MetadataKind.Timestamp, document as Json) as Metadata<Timestamp>;

// The kit the agent's and the facade's specs trust: what it serves must verify as a TUF client checks it.
describe('a KeyedRepository', () => {
  describe('when binned', () => {
    const repo = new KeyedRepository({ bins: 16 });
    const published = repo.publish('model/yolo/2.1.0/model.onnx', Buffer.from('model bytes'));
    const bin = repo.binOf(published.targetPath);

    it('signs the target into its bin only, which the top-level targets delegates to (TAP 15)', () => {
      const root = rootOf(repo, 1);
      const targets = targetsOf(repo, '1.targets.json');
      root.verifyDelegate('targets', targets);
      const signedBin = targetsOf(repo, `2.${bin}.json`);
      targets.verifyDelegate(bin, signedBin);
      expect(signedBin.signed.targets[published.targetPath]?.hashes).toEqual({ sha256: published.sha256 });
      expect(repo.versions).toEqual({ root: 1, targets: 1, snapshot: 2, timestamp: 2 });
    });

    it('logs what it signed as the events the signer appends, in order, each a valid event', () => {
      const events = tufEventsOf('plant-7', repo.signings).map(parseTufEvent);
      expect(events.map((e) => e.type)).toEqual([
        'RootMetadataSigned',
        'TargetsSigned',
        ...Array(16).fill('DelegatedTargetsSigned'),
        'SnapshotSigned',
        'TimestampRenewed',
        'DelegatedTargetsSigned',
        'SnapshotSigned',
        'TimestampRenewed',
      ]);
      expect(events[20]).toEqual({
        type: 'DelegatedTargetsSigned',
        schemaVersion: 1,
        data: {
          fleet: 'plant-7',
          role: bin,
          version: 2,
          expires: expect.any(String),
          targetPaths: [published.targetPath],
          metadata: served(repo, `2.${bin}.json`),
        },
      });
    });
  });

  describe('when its keys rotate', () => {
    it('switches to a new root only when the threshold of root keys signed it', () => {
      const repo = new KeyedRepository();
      repo.rotate('timestamp', [newSigningKey()], [repo.keys.root[0]!]);
      expect(() => rootOf(repo, 1).verifyDelegate('root', rootOf(repo, 2))).toThrow('signed by 1/2 keys');
      expect(repo.versions.root).toBe(1);
      const next = newSigningKey();
      repo.rotate('timestamp', [next]);
      rootOf(repo, 1).verifyDelegate('root', rootOf(repo, 2));
      expect(repo.keys.timestamp).toEqual([next]);
    });

    it('re-signs the delegation and every bin with new targets keys', () => {
      const repo = new KeyedRepository({ bins: 4 });
      repo.rotate('targets', [newSigningKey()]);
      const targets = targetsOf(repo, '2.targets.json');
      rootOf(repo, 2).verifyDelegate('targets', targets);
      for (const bin of ['bins-0', 'bins-1', 'bins-2', 'bins-3']) targets.verifyDelegate(bin, targetsOf(repo, `2.${bin}.json`));
    });
  });

  describe('when a spec chooses what is signed', () => {
    const path = 'model/yolo/2.1.0/model.onnx';

    it('signs the targets it starts with into its first targets, each listed as added', () => {
      const repo = new KeyedRepository({ targets: { [path]: Buffer.from('model bytes') } });
      const targets = targetsOf(repo, '1.targets.json');
      rootOf(repo, 1).verifyDelegate('targets', targets);
      expect(targets.signed.targets[path]?.hashes).toEqual({ sha256: sha256('model bytes') });
      expect(repo.versions).toEqual({ root: 1, targets: 1, snapshot: 1, timestamp: 1 });
      expect(repo.signings.map((s) => [s.role, s.version, s.targetPaths])).toEqual([
        ['root', 1, []],
        ['targets', 1, [path]],
        ['snapshot', 1, []],
        ['timestamp', 1, []],
      ]);
    });

    it('signs a bin at a chosen version, listing a path signed before again with other bytes', () => {
      const repo = new KeyedRepository({ bins: 4 });
      repo.publish(path, Buffer.from('first'));
      const [bin, mark] = [repo.binOf(path), repo.signings.length];
      repo.publishAll({ [path]: Buffer.from('forged') }, { version: 7 });
      const signedBin = targetsOf(repo, `7.${bin}.json`);
      targetsOf(repo, '1.targets.json').verifyDelegate(bin, signedBin);
      expect(signedBin.signed.targets[path]?.hashes).toEqual({ sha256: sha256('forged') });
      expect(repo.signings.slice(mark).map((s) => [s.role, s.version, s.targetPaths])).toEqual([
        [bin, 7, [path]],
        ['snapshot', 3, []],
        ['timestamp', 3, []],
      ]);
      expect(snapshotOf(repo.signings[mark + 1]!.document).signed.meta[`${bin}.json`]?.version).toBe(7);
    });

    it('signs a snapshot listing what it is told, and a timestamp at a chosen version naming a chosen snapshot', () => {
      const repo = new KeyedRepository();
      const snapshot = snapshotOf(repo.signSnapshot({ 'bins-1f': 3 }, { version: 6 }).document);
      const timestamp = timestampOf(repo.renewTimestamp(day, { version: 9, snapshot: 5 }).document);
      rootOf(repo, 1).verifyDelegate('snapshot', snapshot);
      rootOf(repo, 1).verifyDelegate('timestamp', timestamp);
      const listed = Object.entries(snapshot.signed.meta).map(([file, meta]) => [file, meta.version]);
      expect([snapshot.signed.version, listed]).toEqual([
        6,
        [
          ['targets.json', 1],
          ['bins-1f.json', 3],
        ],
      ]);
      expect([timestamp.signed.version, timestamp.signed.snapshotMeta.version]).toEqual([9, 5]);
      expect(repo.versions).toEqual({ root: 1, targets: 1, snapshot: 6, timestamp: 9 });
    });
  });
});
