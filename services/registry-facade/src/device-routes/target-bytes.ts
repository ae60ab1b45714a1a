import { createHash } from 'node:crypto';
import { ServiceError } from '@keelson/service-kit';
import type { BlobStore, StoredBlob } from '../blobs/blob-store.js';
import { BoundedMap } from '../memory/bounded-map.js';

/**
 * Targets up to this size are served from memory, read in one piece and written with their headers
 * in one go; larger ones are streamed from the store (a model of gigabytes is never held in memory).
 */
export const wholeReadMaxBytes = 1024 * 1024;

/** The most bytes of small targets kept in memory at once (least recently served go first). */
export const keptTargetMaxBytes = 16 * 1024 * 1024;

/**
 * A target as it is served: its bytes (kept only once verified), or its blob opened for streaming
 * (the reader releases it), with the sha256 it is stored under.
 */
export type ServedTarget = ({ bytes: Buffer; blob?: undefined } | { bytes?: undefined; blob: StoredBlob }) & { sha256: string };

/**
 * The bytes of the targets devices download, by digest. A rollout sends every device of a wave for
 * the same target: a small one is read from disk once, checked against its signed length and
 * digest, and then served from memory (no open, fstat, read and close per device, no 64 KiB
 * allocated per download). Only bytes that match are kept. Bytes that do not are served as they are
 * and read again next time, as before this memory: the device checks length and digest against its
 * signed targets metadata and refuses them (TUF spec 5.7.3), which is the check that matters. A
 * blob is content-addressed, so kept bytes never go stale; whether a device may have them is still
 * decided at every request (DeviceFiles). Concurrent first reads of one target share one read.
 */
export class TargetBytes {
  private readonly kept: BoundedMap<Buffer>;
  private readonly reading = new Map<string, Promise<Buffer | null>>();

  constructor(
    private readonly blobs: BlobStore,
    maxBytes = keptTargetMaxBytes,
  ) {
    this.kept = new BoundedMap({ maxEntries: 1_000, maxWeight: maxBytes, weigh: (bytes) => bytes.length });
  }

  /** The target of this signed digest and length: its bytes if small, else its blob opened; a 500 if it is missing. */
  async open(sha256: string, length: number): Promise<ServedTarget> {
    if (length <= wholeReadMaxBytes) {
      const bytes = this.kept.get(sha256) ?? (await this.readShared(sha256, length));
      if (bytes) return { bytes, sha256 };
    }
    return { blob: await this.opened(sha256), sha256 };
  }

  /** How many bytes are kept in memory now. */
  get keptBytes(): number {
    return this.kept.weight;
  }

  private readShared(sha256: string, length: number): Promise<Buffer | null> {
    let reading = this.reading.get(sha256);
    if (!reading) {
      reading = this.read(sha256, length).finally(() => this.reading.delete(sha256));
      this.reading.set(sha256, reading);
    }
    return reading;
  }

  /** The stored bytes, kept if they are the signed ones; null if the blob's size is not the signed length (it is streamed). */
  private async read(sha256: string, length: number): Promise<Buffer | null> {
    const blob = await this.opened(sha256);
    if (blob.size !== length) {
      await blob.close();
      return null;
    }
    const bytes = await blob.readAll();
    if (createHash('sha256').update(bytes).digest('hex') === sha256) this.kept.set(sha256, bytes);
    return bytes;
  }

  private async opened(sha256: string): Promise<StoredBlob> {
    const blob = await this.blobs.openBlob(sha256);
    if (!blob) throw new ServiceError('Internal', 'blob.missing', 'the artifact is known but its bytes are missing from the blob store');
    return blob;
  }
}
