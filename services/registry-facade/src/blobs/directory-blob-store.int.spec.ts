import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobTooLarge } from './blob-store.js';
import { DirectoryBlobStore } from './directory-blob-store.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// Chunks as an upload delivers them, so hashing and the limit work across chunk boundaries.
function* chunksOf(bytes: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('DirectoryBlobStore on a real directory', () => {
  let dataDir: string;
  let store: DirectoryBlobStore;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'keelson-blobs-'));
    store = new DirectoryBlobStore(dataDir);
    await store.open();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stores streamed bytes under their sha256 and reports the length', async () => {
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const put = await store.put(Readable.from(chunksOf(bytes, 16_384)), 1_000_000);
    expect(put).toEqual({ sha256: sha(bytes), length: bytes.length });
    expect(readFileSync(join(dataDir, 'blobs', 'sha256', sha(bytes))).equals(bytes)).toBe(true);
    expect(await store.sizeOf(sha(bytes))).toBe(bytes.length);
    expect(readdirSync(store.dir)).toEqual([sha(bytes)]);
  });

  it('refuses past the limit and keeps nothing, not even a temp file', async () => {
    const bytes = Buffer.alloc(10_000, 7);
    await expect(store.put(Readable.from(chunksOf(bytes, 1_000)), 9_999)).rejects.toBeInstanceOf(BlobTooLarge);
    expect(readdirSync(store.dir)).toEqual([]);
    await expect(store.put(Readable.from(chunksOf(bytes, 1_000)), 10_000)).resolves.toEqual({ sha256: sha(bytes), length: 10_000 });
  });

  it('keeps nothing when the source fails half way', async () => {
    async function* broken() {
      yield Buffer.alloc(1000, 1);
      throw new Error('client went away');
    }
    await expect(store.put(Readable.from(broken()), 1_000_000)).rejects.toThrow('client went away');
    expect(readdirSync(store.dir)).toEqual([]);
  });

  it('removes temp files a crash left behind when it opens, and keeps finished blobs', async () => {
    const bytes = Buffer.from('kept');
    await store.put(Readable.from([bytes]), 100);
    writeFileSync(join(store.dir, '.tmp-0123456789abcdef'), 'half an upload');
    await new DirectoryBlobStore(dataDir).open();
    expect(readdirSync(store.dir)).toEqual([sha(bytes)]);
  });

  it('refuses a path that is not a digest', () => {
    expect(() => store.pathOf('../../etc/passwd')).toThrow('not a sha256 digest');
  });
});
