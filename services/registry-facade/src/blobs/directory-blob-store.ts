import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobMeter, checkDigest, type BlobStore, type StoredBlob } from './blob-store.js';

const tempPrefix = '.tmp-';

/**
 * Content-addressed blobs in a directory, `<dataDir>/blobs/sha256/<hex>`: the store of `npm start`'s
 * one facade (KEELSON_BLOB_STORE=directory). From a plain file the facade streams straight from the
 * page cache to the socket with a known length, no chunk reassembly and no copy through the NATS
 * server. Durability comes from write-to-temp, fsync, rename in the same directory (atomic on
 * POSIX), so a file under its digest is always complete; a crash leaves at most a temp file, which
 * `open()` removes. The directory belongs to one facade process, like the rest of its
 * KEELSON_DATA_DIR: replicas use the NATS object store (nats-blob-store.ts).
 */
export class DirectoryBlobStore implements BlobStore {
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
    return join(this.dir, checkDigest(sha256));
  }

  /** The stored size of a blob, or null if there is none. */
  async sizeOf(sha256: string): Promise<number | null> {
    const found = await stat(this.pathOf(sha256)).catch(() => null);
    return found?.isFile() ? found.size : null;
  }

  /**
   * The blob of `sha256` opened for reading, with the size of what was opened (one open and one
   * fstat, no second look-up by path), or null if there is none.
   */
  async openBlob(sha256: string): Promise<StoredBlob | null> {
    const handle = await open(this.pathOf(sha256), 'r').catch(() => null);
    if (!handle) return null;
    try {
      const found = await handle.stat();
      if (found.isFile()) return new FileBlob(handle, found.size);
    } catch (err) {
      await handle.close();
      throw err;
    }
    await handle.close();
    return null;
  }

  /** BlobStore.put: through a temp file, removed when the upload fails or is too large. */
  async put(source: Readable, maxBytes: number): Promise<{ sha256: string; length: number }> {
    const temp = join(this.dir, `${tempPrefix}${randomBytes(8).toString('hex')}`);
    const meter = new BlobMeter(maxBytes);
    try {
      // `flush`: the file is fsynced before it is closed, so what is renamed is on disk.
      await pipeline(source, meter, createWriteStream(temp, { flags: 'wx', mode: 0o644, flush: true }));
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    const [sha256, length] = [meter.sha256(), meter.length];
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

/** A blob file opened for reading. */
class FileBlob implements StoredBlob {
  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async readAll(): Promise<Buffer> {
    try {
      const bytes = Buffer.allocUnsafeSlow(this.size); // its own memory, not a slice of the shared pool (it may be kept)
      for (let at = 0; at < this.size;) {
        const { bytesRead } = await this.handle.read(bytes, at, this.size - at, at);
        if (bytesRead === 0) throw new Error('the blob is shorter than when it was opened');
        at += bytesRead;
      }
      return bytes;
    } finally {
      await this.handle.close();
    }
  }

  stream(span?: { start: number; end: number }): Readable {
    // A span is read from its offset (pread): the bytes before it are never read.
    return this.handle.createReadStream(span); // closes the handle at its end or destruction
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
