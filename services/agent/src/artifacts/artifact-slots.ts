import { randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { mkdir, readdir, readlink, rename, rm, stat, symlink, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DataDirLayout } from '../data-dir/layout.js';
import { syncDir, syncFile } from '../data-dir/atomic-file.js';
import type { SwapRecord } from '../data-dir/agent-state.js';

export type Slot = 'current' | 'previous';

/**
 * The `current` and `previous` links of one artifact. Every change of a link is a new symlink
 * under a temp name renamed over the old one: rename(2) is atomic, so a reader (or a crash) sees
 * the old target or the new one, never a missing link.
 */
export class ArtifactSlots {
  constructor(
    private readonly layout: DataDirLayout,
    readonly name: string,
  ) {}

  /** The version a slot points at, or null when the slot is empty. */
  async read(slot: Slot): Promise<string | null> {
    const link = this.layout.slot(this.name, slot);
    const target = linkTarget(link);
    if (target !== undefined) return target === null ? null : basename(target);
    return basename(await readlink(link)); // any other failure: thrown by the promise call, with its stack
  }

  /**
   * Points `slot` at `version` (null: removes the link), durably: the directory is fsynced after
   * the change. Removing a link that is not there changes nothing, so it neither fsyncs (a first
   * install's swap cleared an absent `previous` and synced for it) nor makes the directory.
   */
  async point(slot: Slot, version: string | null): Promise<void> {
    const dir = this.layout.artifactDir(this.name);
    const link = this.layout.slot(this.name, slot);
    if (version === null) {
      if (!(await unlinkIfThere(link))) return;
    } else {
      const temp = join(dir, `.${slot}.${randomBytes(4).toString('hex')}.tmp`);
      const target = join('versions', version);
      // The directory exists once a version was installed: made only when the symlink says it is missing.
      await symlink(target, temp).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        await mkdir(dir, { recursive: true });
        await symlink(target, temp);
      });
      await rename(temp, link);
    }
    await syncDir(dir);
  }

  /** Makes `swap.to` current and keeps what was current as previous (previous first: see repair). */
  async apply(swap: SwapRecord): Promise<void> {
    await this.point('previous', swap.fromCurrent);
    await this.point('current', swap.to);
  }

  /** Puts both links back where the swap found them. */
  async restore(swap: SwapRecord): Promise<void> {
    await this.point('current', swap.fromCurrent);
    await this.point('previous', swap.fromPrevious);
  }

  /** Whether the version's directory exists; a link to a missing one is dangling. */
  async hasVersion(version: string): Promise<boolean> {
    return stat(this.layout.versionDir(this.name, version)).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  /**
   * Moves a verified download into `versions/<version>/<basename>`: first into a temp directory,
   * then the directory is renamed into place, so a version directory is always complete.
   */
  async install(version: string, verifiedFile: string, fileName: string): Promise<void> {
    const versions = this.layout.versionsDir(this.name);
    await mkdir(versions, { recursive: true });
    const temp = join(versions, `.${version}.${randomBytes(4).toString('hex')}.tmp`);
    await mkdir(temp);
    await syncFile(verifiedFile);
    await rename(verifiedFile, join(temp, fileName));
    await syncDir(temp);
    // A directory left there (a half-installed one) is removed only when the rename finds it:
    // rename(2) over a missing or empty directory succeeds, over a non-empty one fails.
    const final = this.layout.versionDir(this.name, version);
    await rename(temp, final).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      await rm(final, { recursive: true, force: true });
      await rename(temp, final);
    });
    await syncDir(versions);
  }

  /**
   * After a crash: removes temp links and half-moved version directories, and makes sure neither
   * link dangles (a dangling current falls back to previous, so the device keeps a working file).
   */
  async repair(): Promise<void> {
    const dir = this.layout.artifactDir(this.name);
    for (const entry of await readdir(dir).catch(() => [] as string[])) {
      if (entry.startsWith('.') && entry.endsWith('.tmp')) await rm(join(dir, entry), { recursive: true, force: true });
    }
    const versions = this.layout.versionsDir(this.name);
    for (const entry of await readdir(versions).catch(() => [] as string[])) {
      if (entry.startsWith('.')) await rm(join(versions, entry), { recursive: true, force: true });
    }
    const previous = await this.read('previous');
    const previousOk = previous !== null && (await this.hasVersion(previous));
    if (previous !== null && !previousOk) await this.point('previous', null);
    const current = await this.read('current');
    if (current !== null && !(await this.hasVersion(current))) await this.point('current', previousOk ? previous : null);
  }

  /** Deletes kept versions that neither link points at, once an assignment is over. */
  async prune(): Promise<string[]> {
    const keep = new Set([await this.read('current'), await this.read('previous')]);
    const removed: string[] = [];
    for (const entry of await readdir(this.layout.versionsDir(this.name)).catch(() => [] as string[])) {
      if (entry.startsWith('.') || keep.has(entry)) continue;
      await rm(join(this.layout.versionsDir(this.name), entry), { recursive: true, force: true });
      removed.push(entry);
    }
    return removed;
  }
}

/** Removes a link; false when there was none (a missing artifact directory included). */
async function unlinkIfThere(link: string): Promise<boolean> {
  try {
    await unlink(link);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * A link's target, null when there is none, undefined when reading it failed otherwise. An update
 * reads its artifact's two links about five times, and a first install finds them missing: a
 * `fs/promises` readlink that fails builds an error with an async stack (~35 µs on the fleet's
 * machine, 2-3 % of the simulated fleet's JS time with the promise calls). One synchronous
 * readlink(2) of a link in the data directory costs a few µs and no error object.
 */
function linkTarget(link: string): string | null | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return readlinkSync(link);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : undefined;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
