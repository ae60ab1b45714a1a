import { createRequire } from 'node:module';

// Every signature check serialises the signed part of a document to canonical JSON (TUF spec 4.2,
// the OLPC dialect: keys sorted, only `"` and `\` escaped) with @tufjs/canonical-json 2.0.x, which
// gives each object and array its own array of parts, joins it into a string and hands that up to
// be joined again, and sends every key and string through two regex replaces and a concatenation.
// For the fleet's snapshot (257 entries) that was 332 KiB of garbage per check, ~400 KiB per device
// update: a third of what the simulated fleet allocated in a rollout (heap profile, issue 11,
// bench/README.md round 11). This appends to one string per object or array (V8 links the pieces
// and flattens the whole once) and copies no string that has nothing to escape: 101 KiB per
// snapshot check, in 40 % of the time. The output is the library's, byte for byte
// (`lean-canonical-json.spec.ts` compares both on every document of a fleet repository and on edge
// cases); a value the library cannot encode goes to the library, which throws its own error.
// Patched on the copy that @tufjs/models (the one tuf-js loads) calls, and only on the version it
// was checked against.

type Canonicalize = (value: unknown) => string;
interface CanonicalJsonModule {
  canonicalize: Canonicalize;
}

const requireFromModels = createRequire(createRequire(createRequire(import.meta.url).resolve('tuf-js')).resolve('@tufjs/models'));
const library = requireFromModels('@tufjs/canonical-json') as CanonicalJsonModule;
const { version } = requireFromModels('@tufjs/canonical-json/package.json') as { version: string };

/** The library's own function, for the spec's comparison and for values it alone may refuse. */
export const originalCanonicalize: Canonicalize = library.canonicalize;

/** A string as the library writes it: backslash escaped first, then the double quote; most strings have neither. */
function stringOf(s: string): string {
  return s.includes('\\') || s.includes('"') ? `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `"${s}"`;
}

/**
 * Whether `keys` are already in the order `sort()` gives (UTF-16 code units, as `<` compares
 * strings; keys of one object are never equal). Documents served in canonical JSON parse into
 * sorted keys: a snapshot's 257 need no sort, which would copy them.
 */
function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

/** `value` in canonical JSON, as @tufjs/canonical-json 2.0 writes it. */
export function canonicalizeLean(value: unknown): string {
  if (typeof value === 'string') return stringOf(value);
  if (typeof value === 'boolean' || value === null || Number.isInteger(value)) return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    let first = true;
    // forEach, as the library: a hole in a sparse array is skipped, not written as null.
    value.forEach((element) => {
      out += first ? canonicalizeLean(element) : `,${canonicalizeLean(element)}`;
      first = false;
    });
    return `${out}]`;
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    if (!isSorted(keys)) keys.sort();
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      out += `${i > 0 ? ',' : ''}${stringOf(key)}:${canonicalizeLean((value as Record<string, unknown>)[key])}`;
    }
    return `${out}}`;
  }
  originalCanonicalize(value); // undefined, a fraction, a function…: the library's own TypeError
  throw new TypeError(`cannot encode ${String(value)}`); // not reached: the library refuses what reaches it
}

/** Whether signature checks serialise with the lean writer: only on the @tufjs/canonical-json version this was checked against. */
export const leanCanonicalJsonInstalled = /^2\.0\./.test(version);
if (leanCanonicalJsonInstalled) library.canonicalize = canonicalizeLean;
