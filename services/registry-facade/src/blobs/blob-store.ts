import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';

/** The upload passed the size limit; nothing of it was kept. */
export class BlobTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`the artifact is larger than ${maxBytes} bytes`);
    this.name = 'BlobTooLarge';
  }
}

/** A stored blob opened for reading. Read it once, whole or as a stream, or close it unread. */
export interface StoredBlob {
  readonly size: number;
  /** All of its bytes, in memory of their own (they may be kept); releases the blob. */
  readAll(): Promise<Buffer>;
  /**
   * Its bytes as a stream, which releases the blob at its end or destruction; with `span`, only
   * bytes `start` to `end` (inclusive, within the blob: the caller checked them against `size`).
   */
  stream(span?: { start: number; end: number }): Readable;
  /** Releases a blob that is not read. */
  close(): Promise<void>;
}

/**
 * Artifact bytes by their sha256: a directory of one facade (`npm start`), or the NATS object store
 * that every replica reads (an installation). Both keep a blob only whole and under its true digest.
 */
export interface BlobStore {
  /** Prepares the store (creates it, sweeps what an interrupted upload left); before any other call. */
  open(): Promise<void>;
  /** The stored size of a blob, or null if there is none. */
  sizeOf(sha256: string): Promise<number | null>;
  /** The blob of `sha256` opened for reading, or null if there is none. */
  openBlob(sha256: string): Promise<StoredBlob | null>;
  /**
   * Streams `source` into the store, hashing on the way; never holds more than a chunk in memory.
   * Throws BlobTooLarge past `maxBytes` and rethrows source errors, keeping nothing of it.
   */
  put(source: Readable, maxBytes: number): Promise<{ sha256: string; length: number }>;
}

/** The provider token of the facade's BlobStore. */
export const BLOB_STORE = Symbol('BlobStore');

const digestPattern = /^[0-9a-f]{64}$/;

/** Throws on anything that is not a lower-case hex sha256 (no path or subject games). */
export function checkDigest(sha256: string): string {
  if (!digestPattern.test(sha256)) throw new Error('not a sha256 digest');
  return sha256;
}

/** A pass-through that hashes and counts what flows, failing with BlobTooLarge past `maxBytes`. */
export class BlobMeter extends Transform {
  private readonly hash = createHash('sha256');
  length = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.length += chunk.length;
    if (this.length > this.maxBytes) return done(new BlobTooLarge(this.maxBytes));
    this.hash.update(chunk);
    done(null, chunk);
  }

  /** The sha256 of all that flowed; once, after the end. */
  sha256(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Bytes `start` to `end` (inclusive) of `source`, for a store that can only read from the start:
 * chunks before the span are dropped as they pass, and `source` is destroyed once the span is out
 * (which releases its blob).
 */
export function sliced(source: Readable, span: { start: number; end: number }): Readable {
  let at = 0;
  async function* take(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of source as AsyncIterable<Uint8Array>) {
        const [from, to] = [Math.max(span.start - at, 0), Math.min(span.end + 1 - at, chunk.length)];
        at += chunk.length;
        if (from < to) yield chunk.subarray(from, to);
        if (at > span.end) return;
      }
    } finally {
      source.destroy();
    }
  }
  return Readable.from(take(), { objectMode: false });
}
