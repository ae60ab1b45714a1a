/** A device request the facade serves: one document of the fleet's TUF repository, or one target's bytes. */
export type DeviceRoute =
  | { what: 'metadata'; fleet: string; file: string }
  | { what: 'target'; fleet: string; kind: string; name: string; version: string; file: string };

// The shapes tuf-js asks for with `metadataBaseUrl = <facade>/v1/fleets/<fleet>/tuf` and
// `targetBaseUrl = <facade>/v1/fleets/<fleet>/targets` (consistent snapshots): one path segment each.
const metadataPath = /^\/v1\/fleets\/([^/]+)\/tuf\/([^/]+)$/;
const targetPath = /^\/v1\/fleets\/([^/]+)\/targets\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)$/;

/** The path segment as the device meant it (`%2D` is `-`), or null for a broken escape. */
function decoded(segment: string): string | null {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * The device route a request asks for (GET or HEAD, the query ignored), or null for any other
 * request: those stay with the Nest app (uploads, health, metrics, and a 404 for the rest). Segments
 * are percent-decoded one by one, as express decodes route parameters; what they may contain is
 * checked where they are used (the certificate's fleet, the metadata file name, the signed target
 * path), so a decoded `/` or `..` only ever finds nothing.
 */
export function parseDeviceRoute(method: string | undefined, url: string | undefined): DeviceRoute | null {
  if ((method !== 'GET' && method !== 'HEAD') || !url?.startsWith('/v1/fleets/')) return null;
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const metadata = metadataPath.exec(path);
  const parts = metadata ? metadata.slice(1) : targetPath.exec(path)?.slice(1);
  if (!parts) return null;
  const values = parts.map(decoded);
  if (values.some((v) => v === null)) return null;
  const [fleet, a, b, c, d] = values as string[];
  if (metadata) return { what: 'metadata', fleet: fleet!, file: a! };
  return { what: 'target', fleet: fleet!, kind: a!, name: b!, version: c!, file: d! };
}
