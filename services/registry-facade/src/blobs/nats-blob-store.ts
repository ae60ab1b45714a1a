import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { StorageType } from '@nats-io/jetstream';
import { Objm, type ObjectResult, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { BlobMeter, checkDigest, sliced, type BlobStore, type StoredBlob } from './blob-store.js';

export interface NatsBlobStoreOptions {
  /** The object store bucket, behind the installation's stream prefix, e.g. `KEELSON_BLOBS`. */
  bucket: string;
  /** Replicas of its stream: the installation's KEELSON_STREAM_REPLICAS. */
  replicas: number;
  /** Where an upload is spooled while its digest is computed (the pod's /tmp). */
  spoolDir?: string;
}

/**
 * Artifact bytes in a NATS object store (JetStream), named by their sha256: what every replica of
 * the facade reads, the default of an installation. An object's name is its digest, known only
 * once the upload is hashed, and an object store cannot rename: the upload is spooled to a local
 * temp file while it is hashed and measured, then put under its digest and the file removed. A put
 * is all or nothing (nats.js writes the chunks, then the metadata that makes them visible), and
 * nats.js checks the object's own SHA-256 as it reads, failing the stream on a mismatch.
 */
export class NatsBlobStore implements BlobStore {
  private store?: ObjectStore;

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: NatsBlobStoreOptions,
  ) {}

  async open(): Promise<void> {
    const objm = new Objm(this.nc);
    this.store = await objm.create(this.options.bucket, {
      description: 'registry-facade: artifact bytes by sha256',
      storage: StorageType.File,
      replicas: this.options.replicas,
    });
  }

  async sizeOf(sha256: string): Promise<number | null> {
    const info = await this.bucket().info(checkDigest(sha256));
    return info && !info.deleted ? info.size : null;
  }

  async openBlob(sha256: string): Promise<StoredBlob | null> {
    const result = await this.bucket().get(checkDigest(sha256));
    return result && !result.info.deleted ? new ObjectBlob(result) : null;
  }

  async put(source: Readable, maxBytes: number): Promise<{ sha256: string; length: number }> {
    const spool = join(this.options.spoolDir ?? tmpdir(), `keelson-upload-${randomBytes(8).toString('hex')}`);
    const meter = new BlobMeter(maxBytes);
    try {
      await pipeline(source, meter, createWriteStream(spool, { flags: 'wx', mode: 0o600 }));
      const [sha256, length] = [meter.sha256(), meter.length];
      // Same digest, same bytes: a blob already stored is not written again.
      if ((await this.sizeOf(sha256)) !== length) {
        await this.bucket().put(
          { name: sha256 },
          Readable.toWeb(createReadStream(spool)) as unknown as globalThis.ReadableStream<Uint8Array>,
        );
      }
      return { sha256, length };
    } finally {
      await rm(spool, { force: true });
    }
  }

  private bucket(): ObjectStore {
    if (!this.store) throw new Error('the blob store is not open');
    return this.store;
  }
}

/** An object being read from the store. */
class ObjectBlob implements StoredBlob {
  readonly size: number;

  constructor(private readonly result: ObjectResult) {
    this.size = result.info.size;
  }

  async readAll(): Promise<Buffer> {
    const bytes = Buffer.allocUnsafeSlow(this.size); // its own memory (it may be kept)
    let at = 0;
    for await (const chunk of this.result.data as unknown as AsyncIterable<Uint8Array>) {
      if (at + chunk.length > this.size) throw new Error('the blob is longer than its object says');
      bytes.set(chunk, at);
      at += chunk.length;
    }
    const failed = await this.result.error;
    if (failed) throw failed;
    if (at !== this.size) throw new Error('the blob is shorter than its object says');
    return bytes;
  }

  /**
   * An object store reads an object as its chunk messages in order, from the first: nats.js has no
   * read from an offset. For a span, the chunks before it still come from the server, but each is
   * dropped as it arrives (one chunk in memory at a time), and the read stops after the span's last byte.
   */
  stream(span?: { start: number; end: number }): Readable {
    const whole = Readable.fromWeb(this.result.data as unknown as ReadableStream<Uint8Array>);
    return span ? sliced(whole, span) : whole;
  }

  async close(): Promise<void> {
    await this.result.data.cancel();
  }
}
