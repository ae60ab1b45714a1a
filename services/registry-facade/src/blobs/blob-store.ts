import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The upload passed the size limit; nothing of it was kept. */
export class BlobTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the artifact is larger than ${maxBytes} bytes`);
    this.name = 'BlobTooLarge';
  }
}

/** A stored blob opened for reading: its bytes are read through `handle`, which the reader closes. */
export interface StoredBlob {
  handle: FileHandle;
  size: number;
}

const tempPrefix = '.tmp-';
const digestPattern = /^[0-9a-f]{64}$/;

/**
 * Content-addressed blobs in a directory, `<dataDir>/blobs/sha256/<hex>`.
 *
 * Why a directory and not the NATS object store: artifacts are large (models run to gigabytes) and
 * are read by many devices at once. From a plain file the facade streams straight from the page
 * cache to the socket with a known length, no chunk reassembly and no second copy through the NATS
 * server's memory and our process; JetStream keeps the events, which are small. Durability comes
 * from write-to-temp, fsync, rename in the same directory (atomic on POSIX), so a file under its
 * digest is always complete; a crash leaves at most a temp file, which `open()` removes. The
 * directory belongs to one facade process, like the rest of its KEELSON_DATA_DIR.
 */
export class BlobStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'blobs', 'sha256');
  }

  /** Creates the directory and removes temp files an interrupted upload left behind. */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const leftovers = (await readdir(this.dir)).filter((f) => f.startsWith(tempPrefix));
    await Promise.all(leftovers.map((f) => rm(join(this.dir, f), { force: true })));
  }

  /** Where the blob of `sha256` lives; throws on anything that is not a digest (no path games). */
  pathOf(sha256: string): string {
    if (!digestPattern.test(sha256)) throw new Error('not a sha256 digest');
    return join(this.dir, sha256);
  }

  /** The stored size of a blob, or null if there is none. */
  async sizeOf(sha256: string): Promise<number | null> {
    const found = await stat(this.pathOf(sha256)).catch(() => null);
    return found?.isFile() ? found.size : null;
  }

  /**
   * The blob of `sha256` opened for reading, with the size of what was opened (one open and one
   * fstat, no second look-up by path), or null if there is none. The caller closes the handle.
   */
  async openBlob(sha256: string): Promise<StoredBlob | null> {
    const handle = await open(this.pathOf(sha256), 'r').catch(() => null);
    if (!handle) return null;
    try {
      const found = await handle.stat();
      if (found.isFile()) return { handle, size: found.size };
    } catch (err) {
      await handle.close();
      throw err;
    }
    await handle.close();
    return null;
  }

  /**
   * Streams `source` into the store, hashing on the way; never holds more than a chunk in memory.
   * Throws BlobTooLarge past `maxBytes` (the temp file is removed) and rethrows source errors.
   */
  async put(source: Readable, maxBytes: number): Promise<{ sha256: string; length: number }> {
    const temp = join(this.dir, `${tempPrefix}${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let length = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        length += chunk.length;
        if (length > maxBytes) return done(new BlobTooLarge(maxBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      // `flush`: the file is fsynced before it is closed, so what is renamed is on disk.
      await pipeline(source, meter, createWriteStream(temp, { flags: 'wx', mode: 0o644, flush: true }));
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    const sha256 = hash.digest('hex');
    // Same digest, same bytes: replacing an existing blob is harmless, and rename is atomic.
    await rename(temp, this.pathOf(sha256));
    await this.syncDirectory();
    return { sha256, length };
  }

  // The rename is durable only once the directory entry is on disk.
  private async syncDirectory(): Promise<void> {
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
