import { pipeline, Readable } from 'node:stream';
import { RuleViolation } from '@keelson/domain-kit';
import type { ArtifactManifest } from '@keelson/events';
import type { BlobStore } from '../blobs/blob-store.js';
import { configPlatformOf, matchesPlatform, parseManifest, platformFits, platformOf } from './oci-manifest.js';
import { containerTargetBasename } from './publish-from-registry.js';
import { defaultPlatform } from './resolve-image.js';
import { tarEntries } from './tar-entries.js';
import { DigestCheck, digestMismatch } from './verified-blob.js';

/** The image an OCI layout tar held for the platform asked: its manifest's digest and bytes. */
export interface ImportedImage {
  digest: string;
  manifest: Buffer;
  mediaType: string;
  platform: string | null;
}

const smallLimit = 4 * 1024 * 1024; // index.json, manifests and configs are read whole; layers only stream
const bad = (why: string) => new RuleViolation('container.bad-archive', `the upload is not a usable OCI image layout: ${why}`);
const blobName = /^blobs\/sha256\/([0-9a-f]{64})$/;

/**
 * Streams an OCI image layout tar into the blob store: every `blobs/sha256/<hex>` entry is checked
 * against its name as it flows (other bytes are refused, `container.digest-mismatch`) and kept
 * under it; `index.json` then names the image, narrowed to `platform` (default linux/amd64) when it
 * is an index, and its config and layers must all have been in the archive. The digest the
 * operator stated must be the picked image's or the index's it came from.
 */
export async function importOciArchive(
  file: Readable,
  blobs: BlobStore,
  maxBytes: number,
  stated: { digest: string; platform?: string | undefined },
): Promise<ImportedImage> {
  const stored = new Set<string>();
  /** An index, manifest or config of the archive, read back from the store (they are small; layers are never read). */
  const readBack = async (digest: string): Promise<Buffer> => {
    const blob = stored.has(digest) ? await blobs.openBlob(digest.slice('sha256:'.length)) : null;
    if (!blob) throw bad(`it lacks the blob ${digest}`);
    if (blob.size > smallLimit) {
      await blob.close();
      throw bad(`${digest} is larger than ${smallLimit} bytes for a manifest or config`);
    }
    return blob.readAll();
  };
  let index: Buffer | undefined;
  let total = 0;
  for await (const entry of tarEntries(file)) {
    total += entry.size;
    if (total > maxBytes)
      throw new RuleViolation(
        'container.too-large',
        `the image is larger than the ${maxBytes} bytes an artifact may have (KEELSON_MAX_ARTIFACT_BYTES)`,
      );
    if (entry.name === 'index.json') {
      if (entry.size > smallLimit) throw bad(`index.json is larger than ${smallLimit} bytes`);
      const parts: Buffer[] = [];
      for await (const chunk of entry.body) parts.push(chunk);
      index = Buffer.concat(parts);
      continue;
    }
    const hex = blobName.exec(entry.name)?.[1];
    if (!hex || entry.type !== '0') continue;
    const digest = `sha256:${hex}`;
    const check = new DigestCheck(`the archive's ${entry.name}`, digest, entry.size);
    await blobs.put(
      pipeline(Readable.from(entry.body), check, () => undefined),
      entry.size,
    );
    stored.add(digest);
  }
  if (!index) throw bad('it has no index.json');
  const top = parseIndexJson(index);
  const wanted = stated.platform ?? defaultPlatform;
  let picked = top;
  let platform: string | null = null;
  let manifest = await readBack(top);
  let parsed = parseManifest(manifest, undefined);
  if (parsed.kind === 'index') {
    const entry = parsed.manifests.find((d) => matchesPlatform(d, wanted));
    if (!entry)
      throw new RuleViolation(
        'container.platform-not-found',
        `the archive has no manifest for ${wanted} (it has: ${parsed.manifests.map(platformOf).filter(Boolean).join(', ') || 'none'})`,
      );
    picked = entry.digest;
    platform = platformOf(entry) ?? wanted;
    manifest = await readBack(picked);
    parsed = parseManifest(manifest, undefined);
  }
  if (parsed.kind !== 'image') throw bad(`${picked} is not an image manifest`);
  const missing = [parsed.config, ...parsed.layers].find((d) => !stored.has(d.digest));
  if (missing) throw bad(`it lacks the blob ${missing.digest}`);
  if (platform === null) {
    // One image, no index: its config says what it runs on, and must fit the platform stated.
    platform = configPlatformOf(await readBack(parsed.config.digest));
    if (stated.platform && platform && !platformFits(platform, stated.platform)) {
      throw new RuleViolation('container.platform-not-found', `the archive's image is for ${platform}, not ${stated.platform}`);
    }
  }
  if (stated.digest !== picked && stated.digest !== top) {
    throw digestMismatch(
      'the image in the archive',
      stated.digest,
      `${picked}${top !== picked ? ` in the index ${top}` : ''}; the manifest's digest must be the archive's`,
    );
  }
  return { digest: picked, manifest, mediaType: parsed.mediaType, platform };
}

/** The one image (or index) `index.json` names. */
function parseIndexJson(bytes: Buffer): string {
  let manifests: unknown;
  try {
    manifests = (JSON.parse(bytes.toString('utf8')) as { manifests?: unknown }).manifests;
  } catch {
    throw bad('index.json is not JSON');
  }
  if (!Array.isArray(manifests) || manifests.length !== 1) throw bad('index.json must name exactly one image or index');
  const digest = (manifests[0] as { digest?: unknown }).digest;
  if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) throw bad('index.json names no sha256 digest');
  return digest;
}

/**
 * An upload of `--kind container`: the OCI layout tar is imported and the artifact becomes its
 * image manifest (target `manifest.json`, sha256 = the image digest), pinned as a registry
 * publish would pin it; the manifest's digest and platform are the picked image's.
 */
export async function containerUploadOf<U extends { manifest: ArtifactManifest }>(
  upload: U,
  file: Readable,
  blobs: BlobStore,
  maxBytes: number,
) {
  if (upload.manifest.kind !== 'container') throw new Error('not a container upload');
  const image = await importOciArchive(file, blobs, maxBytes, upload.manifest);
  const platform = image.platform ?? upload.manifest.platform;
  const manifest: ArtifactManifest = { ...upload.manifest, digest: image.digest, ...(platform ? { platform } : {}) };
  return {
    upload: { ...upload, manifest, basename: containerTargetBasename, contentType: image.mediaType },
    blob: { sha256: image.digest.slice('sha256:'.length), length: image.manifest.length },
  };
}
