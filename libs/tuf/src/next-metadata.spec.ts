import { canonicalize } from '@tufjs/canonical-json';
import { Metadata, MetadataKind } from '@tufjs/models';
import { canonicalSafe } from './canonical-safe.js';
import { defaultLifetimes } from './lifetimes.js';
import { initialRepository, nextRoot, nextSnapshot, nextTargets, nextTimestamp } from './next-metadata.js';
import { isSignedByRole } from './signatures.js';
import { standingOf, type TargetEntry } from './target-entry.js';
import { generateRoleKeys, signAs } from './test-fixtures/signing-keys.js';

const now = new Date('2026-11-23T07:00:00Z');
const later = new Date('2026-11-23T08:00:00Z');
const entry: TargetEntry = {
  path: 'model/detector/1.0.0/detector.onnx',
  length: 5,
  sha256: 'a'.repeat(64),
  custom: { keelson: { artifactId: 'art-1', manifest: { kind: 'model', framework: 'onnx', metrics: { mAP: 0.5, epochs: 3 } } } },
};

describe('a new repository', () => {
  const k = generateRoleKeys();
  const repo = initialRepository(k.keys, defaultLifetimes, now);

  it('starts every role at version 1 with consistent snapshots and one key per role', () => {
    expect([repo.root.version, repo.targets.version, repo.snapshot.version, repo.timestamp.version]).toEqual([1, 1, 1, 1]);
    expect(repo.root.consistentSnapshot).toBe(true);
    expect(repo.root.roles.targets!.keyIDs).toEqual([k.keys.targets.keyID]);
    expect(repo.root.roles.timestamp!.threshold).toBe(1);
    expect(Object.keys(repo.targets.targets)).toEqual([]);
  });

  it('chains the versions: the snapshot lists targets 1, the timestamp lists snapshot 1', () => {
    expect(repo.snapshot.meta['targets.json']!.version).toBe(1);
    expect(repo.timestamp.snapshotMeta.version).toBe(1);
  });

  it('expires each role after its own lifetime', () => {
    expect(repo.timestamp.expires).toBe('2026-11-24T07:00:00Z');
    expect(repo.root.expires).toBe('2027-11-23T07:00:00Z');
  });

  it('is verifiable by the keys its root names, and by no others', () => {
    const signed = signAs(k, 'timestamp', repo.timestamp);
    expect(isSignedByRole(repo.root, 'timestamp', signed)).toBe(true);
    expect(isSignedByRole(repo.root, 'snapshot', signed)).toBe(false);
    const stranger = generateRoleKeys();
    expect(isSignedByRole(repo.root, 'timestamp', signAs(stranger, 'timestamp', repo.timestamp))).toBe(false);
  });

  it('survives the round trip through JSON that the events make', () => {
    const json = signAs(k, 'root', repo.root).toJSON();
    const back = Metadata.fromJSON(MetadataKind.Root, JSON.parse(JSON.stringify(json)));
    expect(isSignedByRole(back.signed, 'root', back)).toBe(true);
  });
});

describe('the next metadata', () => {
  const repo = initialRepository(generateRoleKeys().keys, defaultLifetimes, now);

  it('adds a target to the targets, keeping the rest, one version up', () => {
    const targets = nextTargets(repo.targets, [entry], later, 100);
    const again = nextTargets(targets, [{ ...entry, path: 'model/detector/1.1.0/detector.onnx' }], later, 100);
    expect(again.version).toBe(3);
    expect(Object.keys(again.targets).sort()).toEqual(['model/detector/1.0.0/detector.onnx', 'model/detector/1.1.0/detector.onnx']);
    expect(again.targets[entry.path]!.hashes).toEqual({ sha256: 'a'.repeat(64) });
    expect(again.expires).toBe('2026-11-23T08:01:40Z');
  });

  it('never replaces a signed target', () => {
    const targets = nextTargets(repo.targets, [entry], later, 100);
    expect(() => nextTargets(targets, [{ ...entry, sha256: 'b'.repeat(64) }], later, 100)).toThrow(/already signed/);
  });

  it('carries the custom field with non-integer numbers as canonical-safe strings', () => {
    const targets = nextTargets(repo.targets, [entry], later, 100);
    const custom = targets.targets[entry.path]!.custom as { keelson: { manifest: { metrics: Record<string, unknown> } } };
    expect(custom.keelson.manifest.metrics).toEqual({ mAP: '0.5', epochs: 3 });
    expect(() => canonicalize(targets.toJSON())).not.toThrow();
  });

  it('points the snapshot at the targets version and the timestamp at the snapshot version', () => {
    const snapshot = nextSnapshot(repo.snapshot, 7, later, 100);
    const timestamp = nextTimestamp(repo.timestamp, snapshot.version, later, 100);
    expect(snapshot.version).toBe(2);
    expect(snapshot.meta['targets.json']!.version).toBe(7);
    expect(timestamp.version).toBe(2);
    expect(timestamp.snapshotMeta.version).toBe(2);
  });

  it('renews the root with the same keys, one version up', () => {
    const root = nextRoot(repo.root, later, 100);
    expect(root.version).toBe(2);
    expect(root.keys).toEqual(repo.root.keys);
    expect(root.consistentSnapshot).toBe(true);
  });
});

describe('standingOf', () => {
  const targets = nextTargets(initialRepository(generateRoleKeys().keys, defaultLifetimes, now).targets, [entry], later, 100);

  it('tells a new path, a redelivery and a clash apart', () => {
    expect(standingOf(targets, { ...entry, path: 'model/detector/2.0.0/detector.onnx' })).toBe('new');
    expect(standingOf(targets, entry)).toBe('same');
    expect(standingOf(targets, { ...entry, sha256: 'b'.repeat(64) })).toBe('conflict');
    expect(standingOf(targets, { ...entry, length: 6 })).toBe('conflict');
  });
});

describe('canonicalSafe', () => {
  it('keeps integers, strings, booleans and null, and drops undefined members', () => {
    expect(canonicalSafe({ a: 1, b: 'x', c: true, d: null, e: undefined, f: [1.25, -2] })).toEqual({
      a: 1,
      b: 'x',
      c: true,
      d: null,
      f: ['1.25', -2],
    });
  });

  it('refuses numbers JSON cannot hold', () => {
    expect(() => canonicalSafe({ a: Number.NaN })).toThrow(/NaN/);
  });
});
