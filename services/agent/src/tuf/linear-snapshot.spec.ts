import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { canonicalize } from '@tufjs/canonical-json';
import { Metadata, Snapshot } from '@tufjs/models';
import { linearSnapshotInstalled, originalSnapshot } from './linear-snapshot.js';

// A fleet snapshot as the signer writes it: one entry per hash bin (256), plus targets.json, some
// with length and hashes; and a field the spec does not know, which must survive the round trip.
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
// A failure then prints two digests, not two 20 KB documents.
const digestOf = (x: unknown) => sha(typeof x === 'string' || Buffer.isBuffer(x) ? x.toString() : JSON.stringify(x));
const snapshotJson = () => ({
  _type: 'snapshot',
  spec_version: '1.0.31',
  version: 7,
  expires: '2030-01-01T00:00:00Z',
  meta: {
    'targets.json': { version: 3, length: 1234, hashes: { sha256: sha('targets') } },
    ...Object.fromEntries(
      Array.from({ length: 256 }, (_, i) => [
        `bins-${i.toString(16).padStart(2, '0')}.json`,
        { version: 1 + (i % 5), ...(i % 2 ? { length: 100 + i } : {}) },
      ]),
    ),
  },
  x_keelson_note: 'unrecognised fields are kept',
});

describe('the linear snapshot maps (issue 11: @tufjs/models copied the 256-entry map per entry)', () => {
  it('are the ones tuf-js uses, on the @tufjs/models version they were checked against', () => {
    expect(linearSnapshotInstalled).toBe(true);
    expect(Snapshot.fromJSON).not.toBe(originalSnapshot.fromJSON);
    expect(Snapshot.prototype.toJSON).not.toBe(originalSnapshot.toJSON);
  });

  it('parse a snapshot into the same object as the original, and serialise it to the same JSON, key order included', () => {
    const data = snapshotJson();
    const linear = Snapshot.fromJSON(structuredClone(data));
    const original = originalSnapshot.fromJSON(structuredClone(data)) as Snapshot;
    expect(isDeepStrictEqual(linear, original)).toBe(true);
    expect(Object.keys(linear.meta)).toEqual(Object.keys(data.meta));
    expect(digestOf(linear.toJSON())).toBe(digestOf(originalSnapshot.toJSON.call(original)));
    expect(Object.keys(linear.toJSON().meta as object)).toEqual(Object.keys(data.meta));
  });

  it('give the signed part the same canonical bytes, which is what a signature is checked over', () => {
    const data = snapshotJson();
    const viaMetadata = Metadata.fromJSON('snapshot' as never, { signed: structuredClone(data), signatures: [] });
    const original = originalSnapshot.fromJSON(structuredClone(data)) as Snapshot;
    expect(digestOf(canonicalize(viaMetadata.signed.toJSON()))).toBe(digestOf(canonicalize(originalSnapshot.toJSON.call(original))));
  });

  it('share one frozen empty object for the unrecognised fields of entries that have none, and keep those that have some', () => {
    const data = snapshotJson();
    ((data.meta as Record<string, object>)['bins-07.json'] as Record<string, unknown>).x_note = 'kept';
    const { meta } = Snapshot.fromJSON(structuredClone(data));
    const empty = meta['bins-00.json']!.unrecognizedFields;
    expect(Object.isFrozen(empty)).toBe(true);
    expect(meta['bins-01.json']!.unrecognizedFields).toBe(empty);
    expect(meta['targets.json']!.unrecognizedFields).toBe(empty);
    expect(meta['bins-07.json']!.unrecognizedFields).toEqual({ x_note: 'kept' });
    expect(meta['bins-07.json']!.toJSON()).toEqual({ version: 3, length: 107, x_note: 'kept' });
    expect(isDeepStrictEqual(meta, (originalSnapshot.fromJSON(structuredClone(data)) as Snapshot).meta)).toBe(true);
  });

  it('keep a key named __proto__ an ordinary entry, as the spread did', () => {
    const data = snapshotJson();
    Object.defineProperty(data.meta, '__proto__', { value: { version: 9 }, enumerable: true, configurable: true, writable: true });
    const linear = Snapshot.fromJSON(structuredClone(data));
    expect(Object.getPrototypeOf(linear.meta)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(linear.meta, '__proto__')).toBe(true);
    expect(isDeepStrictEqual(linear, originalSnapshot.fromJSON(structuredClone(data)))).toBe(true);
  });

  it('refuse malformed metadata with the original errors', () => {
    for (const meta of [['targets.json'], 'targets.json', { 'targets.json': { version: 'one' } }]) {
      const data = { ...snapshotJson(), meta };
      const originalError = (() => {
        try {
          originalSnapshot.fromJSON(structuredClone(data) as never);
        } catch (err) {
          return err as Error;
        }
        throw new Error('the original accepted it');
      })();
      expect(() => Snapshot.fromJSON(structuredClone(data) as never)).toThrow(originalError.message);
    }
  });
});
