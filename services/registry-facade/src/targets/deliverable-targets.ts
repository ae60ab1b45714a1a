import type { ArtifactViews } from '../artifacts/artifact-views.js';
import { BoundedMap } from '../memory/bounded-map.js';

/**
 * Which target path and digest a fleet's devices may download, with its length. A published
 * artifact is kept in memory (bounded): publishing is final (only a received artifact can still be
 * rejected) and its path, digest and length never change. A received one is asked again each time.
 */
export class DeliverableTargets {
  private readonly published: BoundedMap<number>;

  constructor(
    private readonly views: ArtifactViews,
    maxEntries = 10_000,
  ) {
    this.published = new BoundedMap({ maxEntries });
  }

  /** The length of the deliverable artifact at `targetPath` with `sha256`, or null when there is none. */
  async lengthOf(fleet: string, targetPath: string, sha256: string): Promise<number | null> {
    const key = `${fleet}\u0000${targetPath}\u0000${sha256}`;
    const known = this.published.get(key);
    if (known !== undefined) return known;
    const found = await this.views.hasTarget(fleet, targetPath, sha256);
    if (found?.status === 'published') this.published.set(key, found.length);
    return found?.length ?? null;
  }

  get size(): number {
    return this.published.size;
  }
}
