import type { ServerResponse } from 'node:http';
import type { StoredBlob } from '../blobs/blob-store.js';

/**
 * Targets up to this size are read in one piece and written with their headers in one go; larger
 * ones are streamed from the file (a model of gigabytes is never held in memory).
 */
export const wholeReadMaxBytes = 1024 * 1024;

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
 * A target's bytes with their length; the blob's handle is closed in every case. A read that fails
 * once the status is out cuts the connection: the device sees a short body (and its length check
 * fails), never a wrong one. A device that goes away stops the read.
 */
export async function sendBlob(res: ServerResponse, withBody: boolean, blob: StoredBlob): Promise<void> {
  const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': blob.size };
  if (!withBody || blob.size <= wholeReadMaxBytes) {
    let bytes: Buffer | undefined;
    try {
      if (withBody) bytes = await readWhole(blob);
    } finally {
      await blob.handle.close();
    }
    res.writeHead(200, headers);
    res.end(bytes);
    return;
  }
  const stream = blob.handle.createReadStream(); // closes the handle at its end or destruction
  res.writeHead(200, headers);
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

async function readWhole(blob: StoredBlob): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(blob.size);
  for (let at = 0; at < blob.size; ) {
    const { bytesRead } = await blob.handle.read(bytes, at, blob.size - at, at);
    if (bytesRead === 0) throw new Error('the blob is shorter than when it was opened');
    at += bytesRead;
  }
  return bytes;
}
