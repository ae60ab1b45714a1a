import { createHash } from 'node:crypto';
import { Metadata, MetadataKind, Targets } from '@tufjs/models';
import { binsToRenew } from './bin-renewal.js';
import { assignToBins, binKeysFollowRoot, binNames, binOf, isBinCount, isSignedByBin, nextBin } from './hashed-bins.js';
import { defaultLifetimes } from './lifetimes.js';
import { initialRepository, nextSnapshot, nextTargets } from './next-metadata.js';
import type { TargetEntry } from './target-entry.js';
import { generateRoleKeys, signAs } from './test-fixtures/signing-keys.js';

const now = new Date('2026-11-23T07:00:00Z');
const entry = (path: string): TargetEntry => ({ path, length: 5, sha256: 'a'.repeat(64), custom: { keelson: { artifactId: path } } });

describe('a repository with hash bins', () => {
  const k = generateRoleKeys();
  const repo = initialRepository(k.keys, defaultLifetimes, now, 16);

  it('delegates every target path to one of its bins, by the leading bits of sha256(path) (TAP 15)', () => {
    expect(binNames(repo.targets)).toEqual(Array.from({ length: 16 }, (_, i) => `bins-${i.toString(16)}`));
    const path = 'model/detector/1.0.0/detector.onnx';
    const firstNibble = createHash('sha256').update(path).digest('hex')[0];
    expect(binOf(repo.targets, path)).toBe(`bins-${firstNibble}`);
    // The same rule the device's tuf-js walks: the delegation read back from JSON names the same bin.
    const read = Targets.fromJSON(JSON.parse(JSON.stringify(repo.targets.toJSON())));
    expect([...read.delegations!.rolesForTarget(path)]).toEqual([{ role: binOf(repo.targets, path), terminating: true }]);
  });

  it('groups entries by bin', () => {
    const entries = Array.from({ length: 40 }, (_, i) => entry(`model/m${i}/1.0.0/m.onnx`));
    const byBin = assignToBins(repo.targets, entries);
    expect([...byBin.values()].flat()).toHaveLength(40);
    for (const [bin, members] of byBin) for (const e of members) expect(binOf(repo.targets, e.path)).toBe(bin);
  });

  it('starts every bin empty at version 1, listed in snapshot 1, and keeps no targets at the top', () => {
    expect(Object.keys(repo.bins)).toHaveLength(16);
    expect(Object.values(repo.bins).every((b) => b.version === 1 && Object.keys(b.targets).length === 0)).toBe(true);
    expect(repo.snapshot.meta['bins-a.json']!.version).toBe(1);
    expect(Object.keys(repo.snapshot.meta)).toHaveLength(17);
    expect(repo.targets.targets).toEqual({});
  });

  it('trusts the bins through the targets keys of the root', () => {
    expect(binKeysFollowRoot(repo.targets, repo.root)).toBe(true);
    expect(binKeysFollowRoot(repo.targets, initialRepository(generateRoleKeys().keys, defaultLifetimes, now).root)).toBe(false);
    const bin = signAs(k, 'targets', nextBin(repo.bins['bins-3']!, [entry('model/x/1/x')], now, 100));
    expect(isSignedByBin(repo.targets, 'bins-3', bin)).toBe(true);
    expect(isSignedByBin(repo.targets, 'bins-3', signAs(k, 'snapshot', bin.signed))).toBe(false);
    expect(isSignedByBin(repo.targets, 'bins-99', bin)).toBe(false);
  });

  it('keeps the delegation when the targets is renewed, and the bins in the next snapshot', () => {
    const renewed = nextTargets(repo.targets, [], now, 100);
    expect(binNames(renewed)).toEqual(binNames(repo.targets));
    const snapshot = nextSnapshot(repo.snapshot, renewed.version, now, 100, { 'bins-3': 2 });
    expect([snapshot.meta['targets.json']!.version, snapshot.meta['bins-3.json']!.version, snapshot.meta['bins-4.json']!.version]).toEqual([
      2, 2, 1,
    ]);
    const read = Metadata.fromJSON(MetadataKind.Snapshot, signAs(k, 'snapshot', snapshot).toJSON() as never);
    expect(Object.keys(read.signed.meta)).toHaveLength(17);
  });

  it('adds to a bin only new paths, one version up', () => {
    const one = nextBin(repo.bins['bins-3']!, [entry('a/b/1/c')], now, 100);
    expect(one.version).toBe(2);
    expect(() => nextBin(one, [entry('a/b/1/c')], now, 100)).toThrow(/already signed/);
  });

  it('accepts power-of-two bin counts from 2 to 512 only', () => {
    expect([1, 2, 3, 256, 512, 1024].map(isBinCount)).toEqual([false, true, false, true, true, false]);
    expect(() => initialRepository(k.keys, defaultLifetimes, now, 100)).toThrow(/power of two/);
  });

  it('renews the bins past half their lifetime', () => {
    const bins = [
      { role: 'bins-0', expires: '2026-11-23T07:00:40Z' },
      { role: 'bins-1', expires: '2026-11-23T07:01:40Z' },
    ];
    expect(binsToRenew(bins, 100, now)).toEqual(['bins-0']);
  });
});
