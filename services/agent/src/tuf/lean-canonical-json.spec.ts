import { createRequire } from 'node:module';
import { Metadata, MetadataKind } from '@tufjs/models';
import { KeyedRepository } from '@keelson/tuf/testing';
import { canonicalizeLean, leanCanonicalJsonInstalled, originalCanonicalize } from './lean-canonical-json.js';

type Json = Parameters<typeof Metadata.fromJSON>[1];
// The module object @tufjs/models' signature checks call into (an ES import would copy its export).
const requireFromModels = createRequire(createRequire(import.meta.url).resolve('@tufjs/models'));
const library = requireFromModels('@tufjs/canonical-json') as { canonicalize: unknown };
const kindOf = (file: string) => (/(?:^|\.)(root|timestamp|snapshot|targets)\.json$/.exec(file)?.[1] ?? 'targets') as MetadataKind;

/** What the library throws for `value`, or null when it encodes it. */
const libraryError = (value: unknown): Error | null => {
  try {
    originalCanonicalize(value);
    return null;
  } catch (err) {
    return err as Error;
  }
};

describe('lean canonical JSON (issue 11: the signature checks made a third of the fleet’s garbage)', () => {
  it('is the serialisation tuf-js’s signature checks use, on the @tufjs/canonical-json version it was checked against', () => {
    expect(leanCanonicalJsonInstalled).toBe(true);
    expect(library.canonicalize).toBe(canonicalizeLean);
    expect(originalCanonicalize).not.toBe(canonicalizeLean);
  });

  it('writes every document of a binned fleet repository, and the signed part each check serialises, as the library does', () => {
    const repo = new KeyedRepository({ bins: 256 });
    for (let i = 0; i < 12; i++) {
      repo.publish(`model/m-${i}/1.${i}.0/model.onnx`, Buffer.from(`model ${i}`), { note: `say "${i}" \\ ünïcødé ✓`, i });
    }
    expect(repo.metadata.size).toBeGreaterThan(260);
    for (const [file, bytes] of repo.metadata) {
      const document = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      expect(canonicalizeLean(document)).toBe(originalCanonicalize(document));
      const signed = (Metadata.fromJSON(kindOf(file) as MetadataKind.Targets, document as Json).signed as { toJSON(): unknown }).toJSON();
      expect(canonicalizeLean(signed)).toBe(originalCanonicalize(signed));
    }
  });

  it('escapes, sorts and nests exactly as the library, edge cases included', () => {
    const sparse = [1, , 3];
    const protoKey = JSON.parse('{"__proto__": {"a": 1}, "b": [true, false, null]}') as unknown;
    const values: unknown[] = [
      '',
      'plain',
      'a "quoted" \\ back\\slash\\" both',
      'control \n\t\u0001 and \u2028 stay raw',
      '😀 ünïcødé',
      0,
      -0,
      -17,
      2 ** 53 + 2,
      1e21,
      true,
      null,
      [],
      {},
      [[[]], [{}], { z: [] }],
      sparse,
      { b: 1, a: 2 },
      { a: 1, b: 2 },
      { b: 1, a: 2, B: 3, _: 4, '10': 5, '9': 6, é: 7, 'a"b': 8, 'a\\b': 9, '': 10 },
      { nested: { deeper: { deepest: ['x', { y: 'z' }] } } },
      protoKey,
    ];
    for (const value of values) expect(canonicalizeLean(value)).toBe(originalCanonicalize(value));
  });

  it('refuses what the library refuses, with the library’s error', () => {
    for (const value of [1.5, NaN, Infinity, undefined, () => 1, 10n, Symbol('s'), { a: { b: [1, 2.5] } }, [undefined], { a: undefined }]) {
      const expected = libraryError(value);
      expect(expected).not.toBeNull();
      expect(() => canonicalizeLean(value)).toThrow(expected!.constructor as new () => Error);
      expect(() => canonicalizeLean(value)).toThrow(expected!.message);
    }
  });

  it('still makes a signature check fail when one signed byte differs', () => {
    const repo = new KeyedRepository();
    const root = Metadata.fromJSON(MetadataKind.Root, repo.rootDocument() as Json);
    const timestamp = () => JSON.parse(repo.metadata.get('timestamp.json')!.toString('utf8')) as { signed: { expires: string } };
    root.verifyDelegate('timestamp', Metadata.fromJSON(MetadataKind.Timestamp, timestamp() as unknown as Json));
    const tampered = timestamp();
    tampered.signed.expires = tampered.signed.expires.replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10));
    expect(() => root.verifyDelegate('timestamp', Metadata.fromJSON(MetadataKind.Timestamp, tampered as unknown as Json))).toThrow(
      'signed by 0/1 keys',
    );
  });
});
