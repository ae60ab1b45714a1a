import { createHash } from 'node:crypto';
import type { ContainerRuntime, PinnedImage } from './container-runtime.js';

/** The agent refuses to run an image: its bytes are not what the signed TUF target pins. */
export class ImageUnverified extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageUnverified';
  }
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * The image a container target pins, from the target's bytes (the image manifest, already
 * verified against TUF by the download) and the target's sha256: the manifest digest is that
 * sha256, and the manifest's config digest is how an engine names the image it unpacked.
 */
export function pinnedImageOf(manifestBytes: Uint8Array, targetSha256: string): PinnedImage {
  const actual = createHash('sha256').update(manifestBytes).digest('hex');
  if (actual !== targetSha256) throw new ImageUnverified(`the image manifest hashes to ${actual}, not the target's ${targetSha256}`);
  let config: unknown;
  try {
    config = (JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as { config?: { digest?: unknown } }).config?.digest;
  } catch {
    throw new ImageUnverified('the container target is not a JSON image manifest');
  }
  if (typeof config !== 'string' || !DIGEST.test(config)) throw new ImageUnverified('the image manifest names no sha256 config digest');
  return { digest: `sha256:${targetSha256}`, configDigest: config };
}

/**
 * Checks an image in local storage against its pin before anything runs it: the engine's image id
 * must be the pinned config digest (which fixes the layers through their diff ids) and the digest
 * the engine recorded when pulling must be the pinned manifest digest. Used at install and again
 * at every revert, so a kept image that was replaced or re-tagged is never started.
 */
export async function verifyImage(runtime: ContainerRuntime, imageId: string, pin: PinnedImage): Promise<void> {
  const configHex = pin.configDigest.slice('sha256:'.length);
  if (imageId !== configHex) throw new ImageUnverified(`image ${imageId.slice(0, 12)} is not the pinned image ${configHex.slice(0, 12)}`);
  const recorded = await runtime.imageDigest(imageId);
  if (recorded === null) throw new ImageUnverified(`image ${configHex.slice(0, 12)} is not in local storage`);
  if (recorded !== pin.digest)
    throw new ImageUnverified(`image ${configHex.slice(0, 12)} was pulled as ${recorded}, not the pinned ${pin.digest}`);
}
