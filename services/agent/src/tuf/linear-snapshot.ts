import { createRequire } from 'node:module';

// @tufjs/models 5.0.x builds a snapshot's `meta` map with `reduce((acc, e) => ({ ...acc, [k]: v }))`,
// both when it parses a snapshot (`Snapshot.fromJSON`) and when it serialises one to check its
// signature (`toJSON`, then canonical JSON): each entry copies all the entries before it, O(n²). The
// fleet repository's snapshot has one entry per hash bin (256): every refresh copied ~33,000
// properties twice, 10 % of a simulated device's CPU (issue 11 profile) plus the garbage. This
// replaces the two maps with linear ones that give the same objects, in the same key order; what
// is parsed, checked and signed does not change (`linear-snapshot.spec.ts` compares both with the
// originals). Patched on the copy tuf-js itself loads.

interface MetaFileLike {
  unrecognizedFields: Record<string, unknown>;
  toJSON(): unknown;
}
interface SnapshotLike {
  meta: Record<string, MetaFileLike>;
}
interface SnapshotClass {
  fromJSON(data: Record<string, unknown>): SnapshotLike;
  prototype: SnapshotLike & { toJSON(): Record<string, unknown> };
}
interface TufModels {
  Snapshot: SnapshotClass;
  MetaFile: { fromJSON(data: unknown): MetaFileLike };
}

const requireFromTufJs = createRequire(createRequire(import.meta.url).resolve('tuf-js'));
const models = requireFromTufJs('@tufjs/models') as TufModels;
const { version } = requireFromTufJs('@tufjs/models/package.json') as { version: string };

/** The library's own methods, kept for the spec's comparison. */
export const originalSnapshot = { fromJSON: models.Snapshot.fromJSON.bind(models.Snapshot), toJSON: models.Snapshot.prototype.toJSON };

const isObjectRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
/**
 * An empty plain object that V8 keeps in dictionary mode (deleting a property that is not the last
 * one added switches an object to it). Built key by key, a 257-key map made V8 walk a chain of 257
 * hidden classes, and rebuild it whenever a garbage collection had dropped the chain: ~0.8 ms per
 * map instead of ~0.1 (measured with a collection between calls, as under a fleet's allocation
 * rate), 3.7 % of the simulated fleet's JS time.
 */
function dictionaryObject<B>(): Record<string, B> {
  const object: Record<string, unknown> = { dropped: 0, kept: 0 };
  delete object.dropped;
  delete object.kept;
  return object as Record<string, B>;
}

// Own data properties, in the record's order, as the spread did: a key such as `__proto__` stays a plain entry.
// By key, not `Object.entries`: that made a [key, value] array per entry, 80 KiB of garbage per update.
function mapValues<A, B>(record: Record<string, A>, f: (a: A) => B): Record<string, B> {
  const out = dictionaryObject<B>();
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: f(record[key]!), writable: true, enumerable: true, configurable: true });
    else out[key] = f(record[key]!);
  }
  return out;
}

function linearFromJSON(data: Record<string, unknown>): SnapshotLike {
  // Anything unusual (no meta, a malformed one) goes to the original, which keeps its errors.
  if (!isObjectRecord(data) || !isObjectRecord(data.meta)) return originalSnapshot.fromJSON(data);
  const snapshot = originalSnapshot.fromJSON({ ...data, meta: {} });
  snapshot.meta = mapValues(data.meta, metaFileOf);
  return snapshot;
}

/**
 * The fields of an entry beyond version, length and hashes, when it has none (every entry the
 * signer writes): one frozen empty object for all of them, not one per entry. A device holds its
 * snapshot's 257 entries through a whole update, across scavenges; the empty objects were a third
 * of that (14 KiB per update, heap survivor profile, bench/README.md round 11). Frozen: a change
 * to one entry's fields could otherwise reach the others; nothing in tuf-js changes them.
 */
const noUnrecognizedFields: Record<string, unknown> = Object.freeze({});

function metaFileOf(entry: unknown): MetaFileLike {
  const file = models.MetaFile.fromJSON(entry);
  if (isEmptyPlainObject(file.unrecognizedFields)) file.unrecognizedFields = noUnrecognizedFields;
  return file;
}

const isEmptyPlainObject = (x: object): boolean => Object.getPrototypeOf(x) === Object.prototype && Reflect.ownKeys(x).length === 0;

function linearToJSON(this: SnapshotLike): Record<string, unknown> {
  // The original's fields in its order, from a view of this snapshot with an empty map; then the map.
  const json = originalSnapshot.toJSON.call(Object.create(this, { meta: { value: {} } }) as SnapshotLike);
  json.meta = mapValues(this.meta, (entry) => entry.toJSON());
  return json;
}

/** Whether the linear maps are in place: only on the @tufjs/models version they were checked against. */
export const linearSnapshotInstalled = /^5\.0\./.test(version);
if (linearSnapshotInstalled) {
  models.Snapshot.fromJSON = linearFromJSON;
  models.Snapshot.prototype.toJSON = linearToJSON;
}
