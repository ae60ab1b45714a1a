import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// tuf-js starts each refresh from the metadata the device kept (`loadLocalMetadata`: root, then
// timestamp, snapshot, targets and a bin), reading each with `readFileSync` and taking a throw as
// "not kept". A device fresh from enrollment keeps only root.json: its first update tried four
// opens that failed, each building an ENOENT error with a stack (native file calls were 13 % of
// the simulated fleet's JS time). Here each Updater lists its metadata directory once, at its
// first read, and keeps the list up to date with what it persists itself; a document not on the
// list is answered by the same ENOENT error, without the open and without a stack. A document on
// the list is read as before (a read that fails still throws, as before).
//
// The list is exact as long as nothing but the Updater writes the directory between its first
// read and its last: the agent runs one refresh at a time and builds one Updater per refresh
// (verified-download.ts), and writes the directory itself only before it builds one (a root
// restored from the pristine copy). Patched on the copy tuf-js itself loads, like
// linear-snapshot.ts, and only on the tuf-js version it was checked against.

interface UpdaterLike {
  dir: string;
  loadLocalMetadata(fileName: string): Buffer;
  persistMetadata(metaDataName: string, bytesData: Buffer): void;
}

const requireFromTufJs = createRequire(createRequire(import.meta.url).resolve('tuf-js'));
const { Updater } = requireFromTufJs('./updater.js') as { Updater: { prototype: UpdaterLike } };
const { version } = requireFromTufJs('../package.json') as { version: string };

/** What each Updater found in its directory, plus what it wrote there since. */
const listed = new WeakMap<UpdaterLike, Set<string>>();

/** How many local reads were answered "not kept" from the list, without an open (for the spec). */
export let absentWithoutOpen = 0;

function listing(updater: UpdaterLike): Set<string> {
  let names = listed.get(updater);
  if (!names) {
    try {
      names = new Set(readdirSync(updater.dir));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      names = new Set();
    }
    listed.set(updater, names);
  }
  return names;
}

/** The error readFileSync throws for a missing file, without the cost of its stack. */
function notKept(path: string): NodeJS.ErrnoException {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { errno: -2, code: 'ENOENT', syscall: 'open', path });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Whether the list is in place: only on the tuf-js version this was checked against. */
export const localMetadataListInstalled = /^6\.0\./.test(version);
if (localMetadataListInstalled) {
  const { loadLocalMetadata, persistMetadata } = Updater.prototype;
  Updater.prototype.loadLocalMetadata = function (this: UpdaterLike, fileName: string): Buffer {
    const name = `${fileName}.json`;
    // A name that is not a plain file name in the directory is left to the library as it is.
    if (name.includes('/') || name.includes('\\') || name.startsWith('.') || listing(this).has(name)) return loadLocalMetadata.call(this, fileName);
    absentWithoutOpen++;
    throw notKept(join(this.dir, name));
  };
  Updater.prototype.persistMetadata = function (this: UpdaterLike, metaDataName: string, bytesData: Buffer): void {
    persistMetadata.call(this, metaDataName, bytesData);
    listing(this).add(`${encodeURIComponent(metaDataName)}.json`);
  };
}
