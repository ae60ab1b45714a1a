import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so that a crash at any moment leaves either the old or the new content, never a
 * mix: write a sibling temp file, fsync it, rename it over the target, fsync the directory.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const file = await open(temp, 'w', mode);
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
  await syncDir(dir);
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
