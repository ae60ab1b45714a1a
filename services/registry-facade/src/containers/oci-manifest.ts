import { RuleViolation } from '@keelson/domain-kit';

/** The manifest media types we take; distribution 2.8 hides OCI manifests unless Accept names them. */
export const mediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

export const manifestAccept = [mediaTypes.ociManifest, mediaTypes.ociIndex, mediaTypes.dockerManifest, mediaTypes.dockerList] as const;

const indexTypes = new Set<string>([mediaTypes.ociIndex, mediaTypes.dockerList]);
const imageTypes = new Set<string>([mediaTypes.ociManifest, mediaTypes.dockerManifest]);

/** A content descriptor: what to fetch, how long it is and the digest its bytes must have. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
}

/** A manifest as read: an index of per-platform manifests, or one image (config and layers). */
export type ParsedManifest =
  | { kind: 'index'; mediaType: string; manifests: Descriptor[] }
  | { kind: 'image'; mediaType: string; config: Descriptor; layers: Descriptor[] };

const unsupported = (why: string) =>
  new RuleViolation('container.unsupported-manifest', `the registry's manifest is not an image or index we can pin: ${why}`);
const obj = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

function descriptorOf(raw: unknown, where: string): Descriptor {
  const d = obj(raw);
  const { mediaType, digest, size } = d ?? {};
  if (
    typeof mediaType !== 'string' ||
    typeof digest !== 'string' ||
    !/^sha256:[0-9a-f]{64}$/.test(digest) ||
    typeof size !== 'number' ||
    !Number.isSafeInteger(size) ||
    size < 0
  ) {
    throw unsupported(`${where} is not a sha256 descriptor with mediaType and size`);
  }
  const p = obj(d!.platform);
  const platform =
    p && typeof p.os === 'string' && typeof p.architecture === 'string'
      ? { os: p.os, architecture: p.architecture, ...(typeof p.variant === 'string' ? { variant: p.variant } : {}) }
      : undefined;
  return { mediaType, digest, size, ...(platform ? { platform } : {}) };
}

/** Reads a manifest document; the media type is the document's own, else the response's Content-Type. */
export function parseManifest(bytes: Buffer, contentType: string | undefined): ParsedManifest {
  let doc: Record<string, unknown> | null;
  try {
    doc = obj(JSON.parse(bytes.toString('utf8')));
  } catch {
    throw unsupported('not JSON');
  }
  if (!doc) throw unsupported('not a JSON object');
  const mediaType = typeof doc.mediaType === 'string' ? doc.mediaType : (contentType ?? '').split(';')[0]!.trim();
  if (indexTypes.has(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw unsupported('an index without manifests');
    return { kind: 'index', mediaType, manifests: doc.manifests.map((m, i) => descriptorOf(m, `manifests[${i}]`)) };
  }
  if (imageTypes.has(mediaType)) {
    if (!Array.isArray(doc.layers)) throw unsupported('an image manifest without layers');
    return {
      kind: 'image',
      mediaType,
      config: descriptorOf(doc.config, 'config'),
      layers: doc.layers.map((l, i) => descriptorOf(l, `layers[${i}]`)),
    };
  }
  throw unsupported(`media type '${mediaType || 'none'}' (schema 1 and artifacts are not images)`);
}

/** `os/arch[/variant]` of a descriptor's platform. */
export const platformOf = (d: Descriptor): string | undefined =>
  d.platform ? [d.platform.os, d.platform.architecture, d.platform.variant].filter(Boolean).join('/') : undefined;

/** Whether a descriptor's platform is `wanted` (`os/arch`, or `os/arch/variant` to insist on one). */
export function matchesPlatform(d: Descriptor, wanted: string): boolean {
  const [os, arch, variant] = wanted.split('/');
  const p = d.platform;
  return p !== undefined && p.os === os && p.architecture === arch && (variant === undefined || p.variant === variant);
}

/** The image config's `os/architecture[/variant]`; null when it names none. */
export function configPlatformOf(config: Buffer): string | null {
  try {
    const c = JSON.parse(config.toString('utf8')) as { os?: unknown; architecture?: unknown; variant?: unknown };
    if (typeof c.os !== 'string' || typeof c.architecture !== 'string') return null;
    return [c.os, c.architecture, typeof c.variant === 'string' ? c.variant : ''].filter(Boolean).join('/');
  } catch {
    return null;
  }
}

/** Whether an image of platform `found` serves `wanted` (`linux/arm64` is served by `linux/arm64/v8`). */
export const platformFits = (found: string, wanted: string): boolean => found === wanted || found.startsWith(`${wanted}/`);
