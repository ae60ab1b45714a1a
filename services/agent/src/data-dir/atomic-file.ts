import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so that a crash at any moment leaves either the old or the new content, never a
 * mix: write a sibling temp file, fsync it, rename it over the target, fsync the directory.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
  await replaceFileWhole(path, content, mode);
  await syncDir(dirname(path));
}

/**
 * `writeFileAtomic` without the directory's fsync: a crash, even a power loss, leaves the old or
 * the new content whole, but after a power loss it may be the old. For a file whose older content
 * is still a safe starting point (the kept TUF metadata: an older trusted state), not for the
 * journal, whose write must be durable before the step it records.
 */
export async function replaceFileWhole(path: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const file = await openCreating(temp, mode);
    try {
      await file.writeFile(content);
      await file.chmod(mode); // the umask must not loosen a 0600 secret
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * Creates `temp` for writing, and its directory only when that is missing: the journal's directory
 * (or the download directory) exists after the first file, and a `mkdir -p` before each was wasted work.
 */
export async function openCreating(temp: string, mode: number): Promise<FileHandle> {
  try {
    return await open(temp, 'w', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(temp), { recursive: true });
    return open(temp, 'w', mode);
  }
}

async function fsyncPath(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename or a new link inside `dir` durable. */
export const syncDir = (dir: string): Promise<void> => fsyncPath(dir, 'r');

/** fsyncs one file (a download before it is moved into place). */
export const syncFile = (path: string): Promise<void> => fsyncPath(path, 'r+');
