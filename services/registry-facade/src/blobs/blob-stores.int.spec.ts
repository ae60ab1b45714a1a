import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { BlobTooLarge, type BlobStore } from './blob-store.js';
import { DirectoryBlobStore } from './directory-blob-store.js';
import { NatsBlobStore } from './nats-blob-store.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const chunked = (bytes: Buffer, size: number) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    })(),
  );

// What the facade asks of a blob store, held by both: the directory of npm start's one facade and
// the NATS object store every replica of an installation reads.
describe.each(['directory', 'nats'] as const)('the %s blob store', (kind) => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let dir: string;
  let spool: string;
  let store: BlobStore;
  let n = 0;
  const storeAt = (bucket: string): BlobStore =>
    kind === 'directory' ? new DirectoryBlobStore(dir) : new NatsBlobStore(nc, { bucket, replicas: 1, spoolDir: spool });

  beforeAll(async () => (nc = await connectTestNats()));
  afterAll(() => nc.close());
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keelson-blobs-'));
    spool = mkdtempSync(join(tmpdir(), 'keelson-spool-'));
    store = storeAt(`${naming.streamPrefix}BLOBS_${++n}`);
    await store.open();
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(spool, { recursive: true, force: true });
  });

  it('stores streamed bytes under their sha256, and gives them back whole or as a stream', async () => {
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    expect(await store.put(chunked(bytes, 16_384), 1_000_000)).toEqual({ sha256: sha(bytes), length: bytes.length });
    expect(await store.sizeOf(sha(bytes))).toBe(bytes.length);
    const whole = (await store.openBlob(sha(bytes)))!;
    expect(whole.size).toBe(bytes.length);
    expect((await whole.readAll()).equals(bytes)).toBe(true);
    const streamed = (await store.openBlob(sha(bytes)))!.stream();
    const parts: Buffer[] = [];
    for await (const part of streamed) parts.push(Buffer.from(part as Uint8Array));
    expect(Buffer.concat(parts).equals(bytes)).toBe(true);
    // The same bytes again: stored once, same answer.
    expect(await store.put(chunked(bytes, 50_000), 1_000_000)).toEqual({ sha256: sha(bytes), length: bytes.length });
    expect(readdirSync(spool)).toEqual([]);
  });

  // A device resuming a download asks for the rest of a target (Range): the span, exact at every chunk edge.
  it('streams a span of a blob, from an offset inside a chunk to the last byte or to a byte inside a later chunk', async () => {
    const bytes = Buffer.from(Array.from({ length: 600_000 }, (_, i) => (i * 7) % 253));
    await store.put(chunked(bytes, 16_384), 1_000_000);
    const spanOf = async (start: number, end: number) => {
      const parts: Buffer[] = [];
      for await (const part of (await store.openBlob(sha(bytes)))!.stream({ start, end })) parts.push(Buffer.from(part as Uint8Array));
      return Buffer.concat(parts);
    };
    for (const [start, end] of [
      [0, 599_999],
      [240_001, 599_999],
      [131_072, 131_072],
      [100, 400_123],
      [599_999, 599_999],
    ] as const) {
      expect((await spanOf(start, end)).equals(bytes.subarray(start, end + 1))).toBe(true);
    }
  });

  it('knows nothing of a digest it does not hold, and refuses what is not a digest', async () => {
    const absent = sha(Buffer.from('never stored'));
    expect(await store.sizeOf(absent)).toBeNull();
    expect(await store.openBlob(absent)).toBeNull();
    for (const bad of ['../../etc/passwd', 'ABC', `${absent}.>`, '*']) {
      await expect(store.openBlob(bad)).rejects.toThrow('not a sha256 digest');
      await expect(store.sizeOf(bad)).rejects.toThrow('not a sha256 digest');
    }
  });

  it('refuses past the limit and keeps nothing', async () => {
    const bytes = Buffer.alloc(10_000, 7);
    await expect(store.put(chunked(bytes, 1_000), 9_999)).rejects.toBeInstanceOf(BlobTooLarge);
    expect(await store.sizeOf(sha(bytes))).toBeNull();
    expect(readdirSync(spool)).toEqual([]);
    await expect(store.put(chunked(bytes, 1_000), 10_000)).resolves.toEqual({ sha256: sha(bytes), length: 10_000 });
  });

  it('keeps nothing when the source fails half way', async () => {
    async function* broken() {
      yield Buffer.alloc(1000, 1);
      throw new Error('client went away');
    }
    await expect(store.put(Readable.from(broken()), 1_000_000)).rejects.toThrow('client went away');
    expect(await store.sizeOf(sha(Buffer.alloc(1000, 1)))).toBeNull();
    expect(readdirSync(spool)).toEqual([]);
  });

  it('lets a blob opened and not read be closed', async () => {
    const bytes = Buffer.from('opened, never read');
    await store.put(Readable.from([bytes]), 100);
    await (await store.openBlob(sha(bytes)))!.close();
    expect(await text((await store.openBlob(sha(bytes)))!.stream())).toBe('opened, never read');
  });

  if (kind === 'nats') {
    it('serves what one replica stored to another', async () => {
      const bucket = `${naming.streamPrefix}BLOBS_SHARED`;
      const [first, second] = [storeAt(bucket), storeAt(bucket)];
      await first.open();
      await second.open();
      const bytes = Buffer.from('uploaded through replica one');
      await first.put(Readable.from([bytes]), 100);
      expect((await (await second.openBlob(sha(bytes)))!.readAll()).toString()).toBe('uploaded through replica one');
    });
  }
});
