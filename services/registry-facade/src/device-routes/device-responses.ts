import type { ServerResponse } from 'node:http';
import type { ServedTarget } from './target-bytes.js';

/**
 * A TUF metadata document: never stored by a cache (the timestamp changes at every signing, and
 * a TUF client keeps its own trusted copies). Headers and body leave in one write; the body is the
 * document's bytes as kept, not a string to encode per request.
 */
export function sendDocument(res: ServerResponse, withBody: boolean, document: Buffer): void {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': document.length });
  res.end(withBody ? document : undefined);
}

/**
 * A target with its length: kept bytes are written with the headers in one go; a large target is
 * streamed from the blob store, and the blob released in every case. A read that fails once the status
 * is out cuts the connection: the device sees a short body (and its length check fails), never a
 * wrong one. A device that goes away stops the read.
 */
export function sendTarget(res: ServerResponse, withBody: boolean, target: ServedTarget): void {
  if (target.bytes) {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': target.bytes.length });
    res.end(withBody ? target.bytes : undefined);
    return;
  }
  const { blob } = target;
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': blob.size });
  if (!withBody) {
    res.end();
    blob.close().catch(() => undefined); // nothing was read; a failed close changes nothing for the device
    return;
  }
  const stream = blob.stream(); // releases the blob at its end or destruction
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}
