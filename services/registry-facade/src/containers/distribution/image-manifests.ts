import { createHash } from 'node:crypto';
import { ServiceError } from '@keelson/service-kit';
import type { BlobStore } from '../../blobs/blob-store.js';
import { BoundedMap } from '../../memory/bounded-map.js';
import { mediaTypes, parseManifest } from '../oci-manifest.js';

/** A stored image manifest as it is served: its bytes, its own media type and the blobs (config, layers) it names. */
export interface ImageManifest {
  bytes: Buffer;
  mediaType: string;
  /** The sha256 hex of its config and of each layer. */
  blobs: ReadonlySet<string>;
}

/** The largest manifest read: the distribution spec asks registries to take manifests up to 4 MiB. */
export const manifestMaxBytes = 4 * 1024 * 1024;

/**
 * The image manifests of published container artifacts, read from the blob store by digest and
 * kept (bounded by weight): a manifest is content addressed, so a kept one never goes stale, and a
 * fleet pulling one image reads it from the store once. Its bytes are checked against the digest
 * before they are kept or served: the client checks them too, but a registry should not hand out
 * bytes under a name they do not have. A manifest with no `mediaType` is an OCI image manifest (the
 * field is optional there, and Docker's always carries it).
 */
export class ImageManifests {
  private readonly kept: BoundedMap<ImageManifest>;

  constructor(
    private readonly store: BlobStore,
    maxBytes = 16 * 1024 * 1024,
  ) {
    this.kept = new BoundedMap({ maxEntries: 10_000, maxWeight: maxBytes, weigh: (m) => m.bytes.length });
  }

  /** The manifest stored under `sha256`; a 500 when a published one is missing, too large or not its digest. */
  async of(sha256: string): Promise<ImageManifest> {
    const known = this.kept.get(sha256);
    if (known) return known;
    const blob = await this.store.openBlob(sha256);
    if (!blob) throw broken('blob.missing', 'the image is published but its manifest is missing from the blob store');
    if (blob.size > manifestMaxBytes) {
      await blob.close();
      throw broken('container.manifest-unreadable', 'a published image manifest is larger than 4 MiB');
    }
    const bytes = await blob.readAll();
    if (createHash('sha256').update(bytes).digest('hex') !== sha256)
      throw broken('blob.corrupt', 'the stored image manifest is not the bytes of its digest');
    const parsed = parsedOrNull(bytes);
    if (parsed?.kind !== 'image') throw broken('container.manifest-unreadable', 'a published container artifact is not an image manifest');
    const manifest = {
      bytes,
      mediaType: parsed.mediaType,
      blobs: new Set([parsed.config, ...parsed.layers].map((d) => d.digest.slice('sha256:'.length))),
    };
    this.kept.set(sha256, manifest);
    return manifest;
  }
}

function parsedOrNull(bytes: Buffer): ReturnType<typeof parseManifest> | null {
  try {
    return parseManifest(bytes, mediaTypes.ociManifest);
  } catch {
    return null;
  }
}

const broken = (code: string, message: string) => new ServiceError('Internal', code, message);
