import type { ServerResponse } from 'node:http';
import type { StoredBlob } from '../../blobs/blob-store.js';
import { contentRange, parseByteRange } from '../../http/byte-range.js';
import type { ImageManifest } from './image-manifests.js';

const apiVersion = { 'Docker-Distribution-API-Version': 'registry/2.0' } as const;

/** `GET /v2/`: this is a registry speaking the distribution API, and the device may use it. */
export function sendVersion(res: ServerResponse): void {
  res.writeHead(200, { ...apiVersion, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': 2 });
  res.end('{}');
}

/** An image manifest, exactly as stored, under its own media type (clients parse it by that). */
export function sendManifest(res: ServerResponse, withBody: boolean, digest: string, manifest: ImageManifest): void {
  res.writeHead(200, {
    ...apiVersion,
    'Content-Type': manifest.mediaType,
    'Content-Length': manifest.bytes.length,
    'Docker-Content-Digest': digest,
    ETag: `"${digest}"`,
  });
  res.end(withBody ? manifest.bytes : undefined);
}

/**
 * A config or layer, streamed from the blob store and never held whole; with one `Range` (the
 * parsing the target route uses: `http/byte-range.ts`) only those bytes (206), a first byte past
 * the end a 416. The blob is released in every case; a read that fails once the status is out cuts
 * the connection (the client's digest check fails, never a wrong layer kept), and a client that
 * goes away stops the read.
 */
export function sendBlob(res: ServerResponse, withBody: boolean, digest: string, blob: StoredBlob, rangeHeader: string | undefined): void {
  const range = parseByteRange(rangeHeader, blob.size);
  const common = { ...apiVersion, 'Docker-Content-Digest': digest, 'Accept-Ranges': 'bytes' };
  if (range.kind === 'unsatisfiable') {
    res.writeHead(416, { ...common, 'Content-Range': contentRange(range, blob.size), 'Content-Length': 0 });
    return finish(res, blob);
  }
  if (range.kind === 'whole') res.writeHead(200, { ...common, 'Content-Type': 'application/octet-stream', 'Content-Length': blob.size });
  else
    res.writeHead(206, {
      ...common,
      'Content-Type': 'application/octet-stream',
      'Content-Length': range.end - range.start + 1,
      'Content-Range': contentRange(range, blob.size),
    });
  if (!withBody) return finish(res, blob);
  const body = blob.stream(range.kind === 'span' ? range : undefined); // releases the blob at its end or destruction
  body.on('error', () => res.destroy());
  res.on('close', () => body.destroy());
  body.pipe(res);
}

function finish(res: ServerResponse, blob: StoredBlob): void {
  res.end();
  blob.close().catch(() => undefined); // nothing was read; a failed close changes nothing for the client
}
