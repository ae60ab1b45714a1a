import type { Database } from '@keelson/postgres';
import { ServiceError } from '@keelson/service-kit';
import { BoundedMap } from '../../memory/bounded-map.js';
import type { ImageManifests } from './image-manifests.js';

/** Which part of an image a digest is asked as: the manifest, or a blob (its config or a layer). */
export type ImagePart = 'manifest' | 'blob';

const publishedContainers = `SELECT DISTINCT sha256 FROM artifacts WHERE kind = 'container' AND status = 'published'`;

/**
 * What a fleet's devices may pull over the distribution API, and under which repository name: the
 * manifests of the container artifacts their fleet published (the artifact's sha256 is its image
 * digest), each under the artifact's name, and the config and layers those manifests name, under
 * the name of an artifact whose manifest names them. Nothing else of the blob store, which all fleets share, is
 * theirs: not another fleet's image, not a model, not an image that was received but never signed.
 * Publishing is final, so a digest a fleet may pull is remembered (bounded); one it may not is asked
 * again each time (it may be published since).
 */
export class FleetImages {
  private readonly allowed = new BoundedMap<true>({ maxEntries: 100_000 });

  constructor(
    private readonly db: Database,
    private readonly manifests: ImageManifests,
  ) {}

  /** Whether `fleet` published an image with this part (sha256 hex) as an artifact called `name`. */
  async has(fleet: string, name: string, part: ImagePart, sha256: string): Promise<boolean> {
    const key = `${fleet}\u0000${name}\u0000${part}\u0000${sha256}`;
    if (this.allowed.get(key)) return true;
    const found = await this.published(`${publishedContainers} AND fleet = $1 AND name = $2`, [fleet, name], part, sha256);
    if (found) this.allowed.set(key, true);
    return found;
  }

  /** Whether a fleet other than `fleet` published an image with this part: a device asking for it reached out of its fleet. */
  elsewhere(fleet: string, part: ImagePart, sha256: string): Promise<boolean> {
    return this.published(`${publishedContainers} AND fleet <> $1`, [fleet], part, sha256);
  }

  private async published(query: string, params: string[], part: ImagePart, sha256: string): Promise<boolean> {
    if (part === 'manifest') {
      const [row] = await this.db.query<{ sha256: string }>(`${query} AND sha256 = $${params.length + 1}`, [...params, sha256]);
      return row !== undefined;
    }
    for (const row of await this.db.query<{ sha256: string }>(query, params)) {
      if ((await this.blobsOf(row.sha256))?.has(sha256)) return true;
    }
    return false;
  }

  /** The blobs an image names; none for a manifest that is broken in the store (its own pull reports that), a store outage thrown. */
  private async blobsOf(manifest: string): Promise<ReadonlySet<string> | null> {
    try {
      return (await this.manifests.of(manifest)).blobs;
    } catch (err) {
      if (err instanceof ServiceError && err.kind === 'Internal') return null;
      throw err;
    }
  }
}
