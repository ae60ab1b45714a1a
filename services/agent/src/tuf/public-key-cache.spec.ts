import { Metadata, MetadataKind } from '@tufjs/models';
import { KeyedRepository } from '@keelson/tuf/testing';
import { originalGetPublicKey, publicKeyCacheInstalled } from './public-key-cache.js';
// The patched function, as @tufjs/models' Key.verifySignature calls it.
import * as keyUtils from '@tufjs/models/dist/utils/key.js';

type Json = Parameters<typeof Metadata.fromJSON>[1];
const rootOf = (repo: KeyedRepository) => Metadata.fromJSON(MetadataKind.Root, repo.rootDocument() as Json);
const timestampJson = (repo: KeyedRepository) =>
  JSON.parse(repo.metadata.get('timestamp.json')!.toString()) as { signed: { version: number } };
const timestampOf = (repo: KeyedRepository, json = timestampJson(repo)) =>
  Metadata.fromJSON(MetadataKind.Timestamp, json as unknown as Json);
const keyInfoOf = (repo: KeyedRepository) => {
  const key = Object.values(rootOf(repo).signed.keys)[0]!;
  return { keyType: key.keyType, scheme: key.scheme, keyVal: key.keyVal.public! };
};

describe('the kept TUF public keys (issue 11: @tufjs/models parsed the key for every signature)', () => {
  it('are the ones tuf-js uses, on the @tufjs/models version they were checked against', () => {
    expect(publicKeyCacheInstalled).toBe(true);
    expect(keyUtils.getPublicKey).not.toBe(originalGetPublicKey);
  });

  it('gives the same key object for the same key, the same key as the library, and another for another key', () => {
    const [one, two] = [keyInfoOf(new KeyedRepository()), keyInfoOf(new KeyedRepository())];
    const kept = keyUtils.getPublicKey(one);
    expect(keyUtils.getPublicKey({ ...one })).toBe(kept);
    const own = (k: unknown) => (k as { key: import('node:crypto').KeyObject }).key.export({ format: 'der', type: 'spki' });
    expect(own(kept)).toEqual(own(originalGetPublicKey(one)));
    expect(own(keyUtils.getPublicKey(two))).not.toEqual(own(kept));
    expect(() => keyUtils.getPublicKey({ ...one, keyVal: 'not hex' })).toThrow();
  });

  it('still accepts only signatures by the key the root names, and only over the signed bytes, once that key is kept', () => {
    const [repo, other] = [new KeyedRepository(), new KeyedRepository()];
    const root = rootOf(repo);
    for (let i = 0; i < 2; i++) root.verifyDelegate('timestamp', timestampOf(repo));
    rootOf(other).verifyDelegate('timestamp', timestampOf(other)); // each key checks its own signatures
    expect(() => root.verifyDelegate('timestamp', timestampOf(other))).toThrow('signed by 0/1 keys');
    const tampered = timestampJson(repo);
    tampered.signed.version += 1;
    expect(() => root.verifyDelegate('timestamp', timestampOf(repo, tampered))).toThrow('signed by 0/1 keys');
    root.verifyDelegate('timestamp', timestampOf(repo));
  });
});
