import { Readable } from 'node:stream';
import { RuleViolation } from '@keelson/domain-kit';
import type { BlobStore } from '../blobs/blob-store.js';
import type { UpstreamRegistry } from '../registry-connections/upstream/upstream-registry.js';
import { readSmallBody } from '../registry-connections/upstream/upstream-http.js';
import { configPlatformOf, platformFits, type Descriptor } from './oci-manifest.js';
import type { ResolvedImage } from './resolve-image.js';
import { digestMismatch, digestOf, verifiedStream } from './verified-blob.js';

const maxConfigBytes = 4 * 1024 * 1024;
const hexOf = (digest: string) => digest.slice('sha256:'.length);

async function openBlob(upstream: UpstreamRegistry, repository: string, d: Descriptor) {
  const res = await upstream.get({ path: `/v2/${repository}/blobs/${d.digest}`, scope: `repository:${repository}:pull` });
  if (res.status !== 200) {
    res.body.resume();
    throw new RuleViolation(
      'container.blob-unavailable',
      `the registry answered HTTP ${res.status} for blob ${d.digest} of '${repository}'`,
    );
  }
  return res.body;
}

/**
 * Copies an image into Keelson's blob store: the config (read whole and checked first, so a
 * platform that does not match costs no layer download), each layer streamed through its digest
 * check, then the manifest. All under their sha256, as the facade will serve them by digest. The
 * whole image must fit in `maxBytes` by its descriptors before a byte is fetched. Answers the
 * image's platform: the config's (checked against `platform` when one was asked for).
 */
export async function copyImage(
  upstream: UpstreamRegistry,
  blobs: BlobStore,
  resolved: ResolvedImage,
  platform: string | undefined,
  maxBytes: number,
): Promise<string | null> {
  const { repository, image } = resolved;
  const total = resolved.manifest.length + image.config.size + image.layers.reduce((sum, l) => sum + l.size, 0);
  if (total > maxBytes) {
    throw new RuleViolation(
      'container.too-large',
      `'${repository}' is ${total} bytes, more than the ${maxBytes} an artifact may have (KEELSON_MAX_ARTIFACT_BYTES)`,
    );
  }
  if (image.config.size > maxConfigBytes)
    throw new RuleViolation('container.unsupported-manifest', `the image config is larger than ${maxConfigBytes} bytes`);
  const config = await readSmallBody(await openBlob(upstream, repository, image.config), maxConfigBytes);
  if (digestOf(config) !== image.config.digest)
    throw digestMismatch(`the config the registry sent for '${repository}'`, image.config.digest, digestOf(config));
  const found = configPlatformOf(config);
  const wanted = resolved.platform === null ? platform : undefined; // an index entry was already picked by platform
  if (wanted && found && !platformFits(found, wanted)) {
    throw new RuleViolation('container.platform-not-found', `'${repository}@${resolved.digest}' is an image for ${found}, not ${wanted}`);
  }
  await blobs.put(Readable.from([config]), config.length);
  for (const layer of image.layers) {
    if ((await blobs.sizeOf(hexOf(layer.digest))) === layer.size) continue; // the same digest is the same bytes
    const body = await openBlob(upstream, repository, layer);
    await blobs.put(verifiedStream(body, `the layer the registry sent for '${repository}'`, layer.digest, layer.size), layer.size);
  }
  await blobs.put(Readable.from([resolved.manifest]), resolved.manifest.length);
  return resolved.platform ?? found;
}
