import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { replaceFileWhole } from '../data-dir/atomic-file.js';
import type { DataDirLayout } from '../data-dir/layout.js';
import { decodeKept, encodeKept, type KeptDocuments } from './kept-metadata-file.js';

// tuf-js keeps each trusted document in its own file, written with a plain `writeFileSync` of the
// bytes turned into a string, the moment it is verified (TUF client workflow 5.4.5, 5.5.7, 5.6.7):
// four new files on a fresh device's first update (timestamp, snapshot, targets, a bin), each an
// inode allocation that costs this disk up to 0.5 ms, and a crash in a write left a torn file
// (which tuf-js then read as "not kept", losing its rollback reference). Here an Updater the agent
// built holds what it verifies in memory and the agent writes it once per refresh, all in one file
// (kept-metadata-file.ts), through a temp file, fsync and rename: a crash leaves the previous
// refresh's documents or this one's, never part of one (the directory is not fsynced: after a power
// loss the previous refresh's documents are a safe start, and tuf-js fsynced nothing; an fsync
// costs this disk ~0.2-0.3 CPU-ms). Rollback protection is unchanged in kind:
// the next refresh starts from what the last one verified and saved (TUF 5.4.3, 5.5.5: no version
// below the trusted one); a refresh cut short before its save starts the next one from the
// refresh before, an older trusted state, as a crash before tuf-js's own write did.
//
// Root stays in root.json through tuf-js's own code (rotations are rare, and the agent restores a
// root it cannot read from the pristine copy). Patched on the copy tuf-js itself loads, like
// linear-snapshot.ts, and only on the tuf-js version it was checked against.

interface UpdaterLike {
  dir: string;
  loadLocalMetadata(fileName: string): Buffer;
  persistMetadata(metaDataName: string, bytesData: Buffer): void;
}

const requireFromTufJs = createRequire(createRequire(import.meta.url).resolve('tuf-js'));
const { Updater } = requireFromTufJs('./updater.js') as { Updater: { prototype: UpdaterLike } };
const { version } = requireFromTufJs('../package.json') as { version: string };

const rootRole = 'root';
/** The files a refresh's documents lived in before they were kept together (read once, then removed). */
const isOwnFile = (file: string) =>
  file.endsWith('.json') && !file.startsWith('.') && file !== 'root.json' && file !== 'pristine-root.json';

/** A device's trusted metadata other than root, as one refresh reads and advances it. */
export class KeptMetadata {
  private changed = false;

  private constructor(
    private readonly file: string,
    private readonly documents: KeptDocuments,
    /** Documents of an agent from before the kept file, removed once it is written. */
    private ownFiles: string[],
  ) {}

  /** What the device kept, from its kept file, or from the per-document files of an older agent. */
  static async open(layout: DataDirLayout): Promise<KeptMetadata> {
    const names = await readdir(layout.tufDir).catch((err: NodeJS.ErrnoException): string[] => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    if (names.includes(basename(layout.keptMetadata))) {
      return new KeptMetadata(layout.keptMetadata, decodeKept(await readFile(layout.keptMetadata)) ?? new Map(), []);
    }
    const ownFiles = names.filter(isOwnFile).map((file) => join(layout.tufDir, file));
    const documents: KeptDocuments = new Map();
    for (const file of ownFiles) documents.set(decodeURIComponent(basename(file, '.json')), await readFile(file));
    return new KeptMetadata(layout.keptMetadata, documents, ownFiles);
  }

  get(role: string): Buffer | undefined {
    return this.documents.get(role);
  }

  /** Holds a document tuf-js has just verified; `save` writes it. */
  set(role: string, bytes: Buffer): void {
    this.documents.set(role, bytes);
    this.changed = true;
  }

  /** Writes every document held, if any changed since the last save: one atomic write. */
  async save(): Promise<void> {
    if (!this.changed) return;
    await replaceFileWhole(this.file, encodeKept(this.documents));
    this.changed = false;
    await Promise.all(this.ownFiles.map((file) => rm(file, { force: true })));
    this.ownFiles = [];
  }
}

/** The store each Updater the agent built reads and persists through (weak: gone with the updater). */
const stores = new WeakMap<object, KeptMetadata>();

/** Makes `updater`'s non-root reads and writes go through `store` (from its first refresh on). */
export function keepThrough(updater: object, store: KeptMetadata): void {
  stores.set(updater, store);
}

/** Writes what `updater` verified since its last save (nothing for an Updater not built by the agent). */
export async function saveKept(updater: object): Promise<void> {
  await stores.get(updater)?.save();
}

/** The error readFileSync throws for a missing file, without the cost of its stack. */
function notKept(path: string): NodeJS.ErrnoException {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), {
      errno: -2,
      code: 'ENOENT',
      syscall: 'open',
      path,
    });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Whether the kept file is in place: only on the tuf-js version this was checked against. */
export const keptMetadataInstalled = /^6\.0\./.test(version);
if (keptMetadataInstalled) {
  const { loadLocalMetadata, persistMetadata } = Updater.prototype;
  Updater.prototype.loadLocalMetadata = function (this: UpdaterLike, fileName: string): Buffer {
    const store = stores.get(this);
    if (!store || fileName === rootRole) return loadLocalMetadata.call(this, fileName);
    const bytes = store.get(fileName);
    if (bytes) return bytes;
    throw notKept(join(this.dir, `${encodeURIComponent(fileName)}.json`));
  };
  Updater.prototype.persistMetadata = function (this: UpdaterLike, metaDataName: string, bytesData: Buffer): void {
    const store = stores.get(this);
    if (!store || metaDataName === rootRole) return persistMetadata.call(this, metaDataName, bytesData);
    store.set(metaDataName, bytesData);
  };
}

/**
 * The device's trusted metadata as files would hold it (`root.json`, `timestamp.json`, …): the
 * files in its TUF directory and the documents of its kept file. For inspection and specs.
 */
export function trustedMetadataFiles(layout: DataDirLayout): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const file of readdirSync(layout.tufDir)) {
    if (file === basename(layout.keptMetadata)) {
      for (const [role, bytes] of decodeKept(readFileSync(layout.keptMetadata)) ?? []) files[`${encodeURIComponent(role)}.json`] = bytes;
    } else {
      files[file] = readFileSync(join(layout.tufDir, file));
    }
  }
  return files;
}
