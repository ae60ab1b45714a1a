import { z } from 'zod';
import { InvalidInput } from '@keelson/domain-kit';
import { defineMessage } from './define-message.js';
import { MessageRegistry, readersOf } from './registry.js';

// A made-up message with two versions, to exercise the upcasting path before any real event needs it.
const NoteAddedV1 = defineMessage('NoteAdded', 1, { text: z.string() });
const NoteAdded = defineMessage('NoteAdded', 2, { text: z.string(), author: z.string() });
type NoteAdded = z.infer<typeof NoteAdded>;
const NoteDeleted = defineMessage('NoteDeleted', 1, { noteId: z.string() });
type NoteDeleted = z.infer<typeof NoteDeleted>;

const notes = new MessageRegistry<NoteAdded | NoteDeleted>([
  readersOf(NoteAdded, {
    1: (raw) => {
      const { data } = NoteAddedV1.parse(raw);
      return { type: 'NoteAdded', schemaVersion: 2, data: { ...data, author: 'unknown' } };
    },
  }),
  readersOf(NoteDeleted),
]);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidInput) return err.code;
    throw err;
  }
  throw new Error('expected InvalidInput');
}

describe('MessageRegistry', () => {
  const added: NoteAdded = { type: 'NoteAdded', schemaVersion: 2, data: { text: 'hi', author: 'ada' } };

  it('parses the latest version of a known message to itself', () => {
    expect(notes.parse(added)).toEqual(added);
    expect(notes.parseJson(JSON.stringify(added))).toEqual(added);
    expect(notes.parseJson(new TextEncoder().encode(JSON.stringify(added)))).toEqual(added);
  });

  it('lists the types it knows and the version writers must write', () => {
    expect(notes.types).toEqual(['NoteAdded', 'NoteDeleted']);
    expect(notes.latestVersion('NoteAdded')).toBe(2);
    expect(notes.latestVersion('NoteEdited')).toBeUndefined();
  });

  it('upcasts an old version through its reader', () => {
    const v1 = { type: 'NoteAdded', schemaVersion: 1, data: { text: 'old' } };
    expect(notes.parse(v1)).toEqual({ type: 'NoteAdded', schemaVersion: 2, data: { text: 'old', author: 'unknown' } });
  });

  it('keeps a parse bound to its registry when passed around', () => {
    const { parse } = notes;
    expect(parse(added)).toEqual(added);
  });

  describe('when the message cannot be read', () => {
    it('rejects an unknown type', () => {
      expect(codeOf(() => notes.parse({ type: 'NoteEdited', schemaVersion: 1, data: {} }))).toBe('message.unknown-type');
    });

    it('rejects an unknown version', () => {
      expect(codeOf(() => notes.parse({ ...added, schemaVersion: 3 }))).toBe('message.unknown-version');
    });

    it('rejects extra keys at the top level and in data', () => {
      expect(codeOf(() => notes.parse({ ...added, id: 'x' }))).toBe('message.invalid');
      expect(codeOf(() => notes.parse({ ...added, data: { ...added.data, mood: 'happy' } }))).toBe('message.invalid');
    });

    it('rejects a message without a type or version, or that is not an object', () => {
      expect(codeOf(() => notes.parse({ data: {} }))).toBe('message.invalid');
      expect(codeOf(() => notes.parse('NoteAdded'))).toBe('message.invalid');
      expect(codeOf(() => notes.parse(null))).toBe('message.invalid');
    });

    it('refuses exactly what a zod envelope refuses, with the same issues (the hand-checked fast path)', () => {
      const envelope = z.looseObject({ type: z.string(), schemaVersion: z.number().int() });
      const nullProto = Object.assign(Object.create(null) as object, { type: 'NoteDeleted', schemaVersion: 1, data: { noteId: 'n1' } });
      const inputs: unknown[] = [
        undefined,
        0,
        'NoteAdded',
        true,
        [],
        Object.assign(['x'], { type: 'NoteAdded', schemaVersion: 2 }),
        nullProto,
        { type: 'NoteAdded' },
        { schemaVersion: 2 },
        { type: 7, schemaVersion: 2 },
        { type: 'NoteAdded', schemaVersion: '2' },
        { type: 'NoteAdded', schemaVersion: 2.5 },
        { type: 'NoteAdded', schemaVersion: NaN },
        { type: 'NoteAdded', schemaVersion: Infinity },
        { type: 'NoteAdded', schemaVersion: 2 ** 53 },
        { type: 'NoteAdded', schemaVersion: -1 },
        { type: '', schemaVersion: 2 },
        { type: null, schemaVersion: null },
      ];
      for (const raw of inputs) {
        const expected = envelope.safeParse(raw);
        let got: InvalidInput | undefined;
        try {
          notes.parse(raw);
        } catch (err) {
          got = err as InvalidInput;
        }
        if (expected.success) expect(got?.code).not.toBe('message.invalid');
        else
          expect({ code: got?.code, paths: got?.issues.map((i) => i.path) }).toEqual({
            code: 'message.invalid',
            paths: expected.error.issues.map((i) => i.path),
          });
      }
    });

    it('reports where each issue is', () => {
      const bad = { type: 'NoteAdded', schemaVersion: 2, data: { text: 1 } };
      const err = (() => {
        try {
          notes.parse(bad);
        } catch (e) {
          return e as InvalidInput;
        }
      })();
      expect(err?.issues.map((i) => i.path)).toEqual([
        ['data', 'text'],
        ['data', 'author'],
      ]);
    });

    it('rejects bytes that are not JSON, or not UTF-8', () => {
      expect(codeOf(() => notes.parseJson('{"type":'))).toBe('message.not-json');
      expect(codeOf(() => notes.parseJson(new Uint8Array([0x7b, 0xff, 0x7d])))).toBe('message.not-json');
    });
  });

  describe('when it is built', () => {
    it('refuses a type registered twice', () => {
      expect(() => new MessageRegistry([readersOf(NoteDeleted), readersOf(NoteDeleted)])).toThrow(/registered twice/);
    });

    it('refuses an upcasting reader that is not for an older version', () => {
      expect(() => readersOf(NoteDeleted, { 1: () => ({ type: 'NoteDeleted', schemaVersion: 1, data: { noteId: 'n' } }) })).toThrow(
        /not older/,
      );
    });
  });
});
