import { ociRepositoryPattern } from '@keelson/events';

/**
 * A request to the OCI distribution API (`/v2/...`) as the facade answers it: the version check,
 * a manifest or a blob of repository `name`, or something a pull-only registry does not do.
 */
export type DistributionRoute =
  | { what: 'version' }
  | { what: 'manifest'; name: string; reference: string }
  | { what: 'blob'; name: string; reference: string }
  | { what: 'unsupported'; why: string };

/** A repository name of the distribution spec (the grammar publishing checks names against). */
export const repositoryName = ociRepositoryPattern;

const contentPath = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/;

/**
 * The distribution route of a request, or null when it is not one (the path does not start with
 * `/v2/`): those stay with the rest of the facade. The query is ignored. Only GET and HEAD pull;
 * any other method, and any other `/v2/` path (tag lists, uploads, referrers), is `unsupported`.
 * The repository name is kept as sent; whether it is one is checked where it is answered.
 */
export function parseDistributionRoute(method: string | undefined, url: string | undefined): DistributionRoute | null {
  if (!url || !(url === '/v2' || url.startsWith('/v2/') || url.startsWith('/v2?'))) return null;
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  if (method !== 'GET' && method !== 'HEAD')
    return { what: 'unsupported', why: `${method ?? 'this method'} is not served: this registry only pulls` };
  if (path === '/v2' || path === '/v2/') return { what: 'version' };
  const m = contentPath.exec(path);
  if (!m) return { what: 'unsupported', why: 'this registry serves manifests and blobs by digest, nothing else' };
  return { what: m[2] === 'manifests' ? 'manifest' : 'blob', name: m[1]!, reference: m[3]! };
}

/** What a reference names: a sha256 digest (its hex), a tag, or a digest this registry cannot take. */
export type Reference = { digest: string } | { tag: string } | { invalid: string };

const sha256Digest = /^sha256:([0-9a-f]{64})$/;
const tag = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;

/** Reads a manifest reference or blob digest (a reference with `:` is a digest, by the spec's grammar). */
export function referenceOf(reference: string): Reference {
  const digest = sha256Digest.exec(reference);
  if (digest) return { digest: digest[1]! };
  if (reference.includes(':') || !tag.test(reference)) return { invalid: reference };
  return { tag: reference };
}
