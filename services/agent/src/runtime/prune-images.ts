import type { ContainerRuntime, PinnedImage, PullSource } from './container-runtime.js';

const hex64 = /^[0-9a-f]{64}$/;

/**
 * Whether an image is one this agent pulled for `artifact` and nothing else: the agent pulls only
 * `<facade>/<artifact>@sha256:<hex>`, so every name such an image carries has that form. An image
 * with no name, or with any other name (the device's own images, one an operator tagged by hand),
 * is not the agent's to remove.
 */
export function isPulledFor(names: readonly string[], source: PullSource, artifact: string): boolean {
  const prefix = `${source.registry}/${artifact}@sha256:`;
  return names.length > 0 && names.every((name) => name.startsWith(prefix) && hex64.test(name.slice(prefix.length)));
}

/**
 * After a swap that passed its probe: removes the images of `artifact` the agent pulled that are
 * neither the running version's nor the kept previous version's (`keep`: a rollback or revert
 * would start that one). Images of rolled-back or older versions go; an image a container still
 * uses is refused by the engine and stays. Returns the ids removed. Running it again (after a
 * crash in the middle) removes what is left, and nothing else.
 */
export async function pruneImages(
  runtime: ContainerRuntime,
  source: PullSource,
  artifact: string,
  keep: readonly PinnedImage[],
): Promise<string[]> {
  const kept = new Set(keep.map((pin) => pin.configDigest.slice('sha256:'.length)));
  const removed: string[] = [];
  for (const image of await runtime.images()) {
    if (kept.has(image.id) || !isPulledFor(image.names, source, artifact)) continue;
    if (await runtime.removeImage(image.id)) removed.push(image.id);
  }
  return removed;
}
