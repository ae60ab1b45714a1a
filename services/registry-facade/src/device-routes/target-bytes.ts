import { createHash } from 'node:crypto';
import { ServiceError } from '@keelson/service-kit';
import type { BlobStore, StoredBlob } from '../blobs/blob-store.js';
import { BoundedMap } from '../memory/bounded-map.js';

/**
 * Targets up to this size are served from memory, read in one piece and written with their headers
 * in one go; larger ones are streamed from the file (a model of gigabytes is never held in memory).
 */
export const wholeReadMaxBytes = 1024 * 1024;

/** The most bytes of small targets kept in memory at once (least recently served go first). */
export const keptTargetMaxBytes = 16 * 1024 * 1024;

/** A target as it is served: its verified bytes, or its file opened for streaming (the reader closes it). */
export type ServedTarget = { bytes: Buffer; blob?: undefined } | { bytes?: undefined; blob: StoredBlob };

/**
 * The bytes of the targets devices download, by digest. A rollout sends every device of a wave for
 * the same target: a small one is read from disk once, checked against its signed length and
 * digest, and then served from memory (no open, fstat, read and close per device, no 64 KiB
 * allocated per download). Bytes that do not match are refused (500 `blob.corrupt`) and not kept:
 * the facade never hands out, let alone keeps, a target that differs from what was signed. A blob
 * is content-addressed, so kept bytes never go stale; whether a device may have them is still
 * decided at every request (DeviceFiles). Concurrent first reads of one target share one read.
 */
export class TargetBytes {
  private readonly kept: BoundedMap<Buffer>;
  private readonly reading = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly blobs: BlobStore,
    maxBytes = keptTargetMaxBytes,
  ) {
    this.kept = new BoundedMap({ maxEntries: 1_000, maxWeight: maxBytes, weigh: (bytes) => bytes.length });
  }

  /** The target of this signed digest and length: its bytes if small, else its file opened; a 500 if missing or different. */
  async open(sha256: string, length: number): Promise<ServedTarget> {
    if (length > wholeReadMaxBytes) return { blob: await this.opened(sha256) };
    const known = this.kept.get(sha256);
    if (known) return { bytes: known };
    let reading = this.reading.get(sha256);
    if (!reading) {
      reading = this.readChecked(sha256, length).finally(() => this.reading.delete(sha256));
      this.reading.set(sha256, reading);
    }
    return { bytes: await reading };
  }

  /** How many bytes are kept in memory now. */
  get keptBytes(): number {
    return this.kept.weight;
  }

  private async readChecked(sha256: string, length: number): Promise<Buffer> {
    const blob = await this.opened(sha256);
    let bytes: Buffer;
    try {
      if (blob.size !== length) throw corrupt();
      bytes = await readWhole(blob);
    } finally {
      await blob.handle.close();
    }
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw corrupt();
    this.kept.set(sha256, bytes);
    return bytes;
  }

  private async opened(sha256: string): Promise<StoredBlob> {
    const blob = await this.blobs.openBlob(sha256);
    if (!blob) throw new ServiceError('Internal', 'blob.missing', 'the artifact is known but its bytes are missing from the blob store');
    return blob;
  }
}

const corrupt = () => new ServiceError('Internal', 'blob.corrupt', "the artifact's stored bytes differ from its signed length or digest");

async function readWhole(blob: StoredBlob): Promise<Buffer> {
  const bytes = Buffer.allocUnsafeSlow(blob.size); // its own memory, not a slice of the shared pool (it may be kept)
  for (let at = 0; at < blob.size; ) {
    const { bytesRead } = await blob.handle.read(bytes, at, blob.size - at, at);
    if (bytesRead === 0) throw corrupt(); // shorter than when it was opened
    at += bytesRead;
  }
  return bytes;
}
