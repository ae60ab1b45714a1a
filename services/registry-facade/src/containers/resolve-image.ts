import { RuleViolation } from '@keelson/domain-kit';
import type { UpstreamRegistry } from '../registry-connections/upstream/upstream-registry.js';
import { readSmallBody } from '../registry-connections/upstream/upstream-http.js';
import { manifestAccept, matchesPlatform as matches, parseManifest, platformOf, type ParsedManifest } from './oci-manifest.js';
import { digestMismatch, digestOf } from './verified-blob.js';

/** Without `--platform`, an index resolves to this one (the platform most devices run). */
export const defaultPlatform = 'linux/amd64';

/** A tag pinned: the image manifest's digest and exact bytes, and the platform it was picked for. */
export interface ResolvedImage {
  repository: string;
  digest: string;
  manifest: Buffer;
  mediaType: string;
  image: Extract<ParsedManifest, { kind: 'image' }>;
  /** The platform asked for (or the default) when the tag named an index; null for a single-image tag. */
  platform: string | null;
}

const maxManifestBytes = 4 * 1024 * 1024;
const scopeOf = (repository: string) => `repository:${repository}:pull`;

async function fetchManifest(upstream: UpstreamRegistry, repository: string, reference: string) {
  const res = await upstream.get({ path: `/v2/${repository}/manifests/${reference}`, accept: manifestAccept, scope: scopeOf(repository) });
  if (res.status === 404) {
    res.body.resume();
    throw new RuleViolation(
      'container.not-found',
      `'${repository}:${reference}' does not exist in the registry (no such tag, digest or repository)`,
    );
  }
  if (res.status !== 200) {
    res.body.resume();
    throw new RuleViolation(
      'container.manifest-unavailable',
      `the registry answered HTTP ${res.status} for the manifest of '${repository}:${reference}'`,
    );
  }
  const length = Number(res.headers['content-length'] ?? 0);
  if (length > maxManifestBytes) {
    res.body.destroy();
    throw new RuleViolation(
      'container.unsupported-manifest',
      `the manifest of '${repository}:${reference}' is larger than ${maxManifestBytes} bytes`,
    );
  }
  const bytes = await readSmallBody(res.body, maxManifestBytes);
  const digest = digestOf(bytes);
  const stated = res.headers['docker-content-digest'];
  // A digest reference pins the bytes; a tag's digest is what the bytes hash to, and must agree with what the registry says.
  const expected = reference.startsWith('sha256:')
    ? reference
    : typeof stated === 'string' && stated.startsWith('sha256:')
      ? stated
      : digest;
  if (digest !== expected) throw digestMismatch(`the manifest the registry sent for '${repository}:${reference}'`, expected, digest);
  return { bytes, digest, parsed: parseManifest(bytes, res.headers['content-type']) };
}

/**
 * Resolves `reference` (a tag or a digest) of `repository` to one image manifest: an index is
 * narrowed to the manifest of `platform` (default linux/amd64), fetched by its digest and checked
 * against it. Throws RuleViolation `container.not-found`, `container.platform-not-found`,
 * `container.digest-mismatch` or `container.unsupported-manifest`, and the upstream's `registry.*`.
 */
export async function resolveImage(
  upstream: UpstreamRegistry,
  repository: string,
  reference: string,
  platform: string | undefined,
): Promise<ResolvedImage> {
  const top = await fetchManifest(upstream, repository, reference);
  if (top.parsed.kind === 'image') {
    return { repository, digest: top.digest, manifest: top.bytes, mediaType: top.parsed.mediaType, image: top.parsed, platform: null };
  }
  const wanted = platform ?? defaultPlatform;
  const picked = top.parsed.manifests.find((d) => matches(d, wanted));
  if (!picked) {
    const offered = top.parsed.manifests.map(platformOf).filter(Boolean).join(', ') || 'none';
    throw new RuleViolation(
      'container.platform-not-found',
      `'${repository}:${reference}' has no manifest for ${wanted} (it has: ${offered})`,
    );
  }
  const child = await fetchManifest(upstream, repository, picked.digest);
  if (child.parsed.kind !== 'image')
    throw new RuleViolation('container.unsupported-manifest', `the ${wanted} entry of '${repository}:${reference}' is an index again`);
  if (child.bytes.length !== picked.size)
    throw digestMismatch(`the ${wanted} manifest the registry sent`, picked.digest, `${child.bytes.length} bytes, not ${picked.size}`);
  return {
    repository,
    digest: child.digest,
    manifest: child.bytes,
    mediaType: child.parsed.mediaType,
    image: child.parsed,
    platform: platformOf(picked) ?? wanted,
  };
}
