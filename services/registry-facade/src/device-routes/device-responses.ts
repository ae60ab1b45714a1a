import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentRange, ifRangeHolds, parseByteRange, type ByteRange } from '../http/byte-range.js';
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
 * The part of a target a GET asks for: all of it, or the span of a `Range` (a device resuming a
 * download cut off by its network). The strong ETag is the target's sha256, and `If-Range` must
 * name it for a span to be served. The URL already pins the bytes (a consistent-snapshot target is
 * fetched as `<sha256>.<basename>`, and the facade serves only the blob stored under that digest),
 * so two requests for one URL never get bytes of two different files; If-Range states the same
 * guarantee in HTTP's own terms, for a client or cache that does not know the path is a digest.
 */
export function targetRange(req: IncomingMessage, target: ServedTarget): ByteRange {
  if (req.method !== 'GET') return { kind: 'whole' };
  const range = parseByteRange(req.headers.range, sizeOf(target));
  const ifRange = req.headers['if-range'];
  const holds = ifRangeHolds(Array.isArray(ifRange) ? ifRange.join(', ') : ifRange, etagOf(target)); // twice: no single tag, no match
  return range.kind !== 'whole' && !holds ? { kind: 'whole' } : range;
}

/**
 * A target, or the span `range` of it, with its length: kept bytes are written with the headers in
 * one go; a large target is streamed from the blob store (from the span's start), and the blob
 * released in every case. A read that fails once the status is out cuts the connection: the device
 * sees a short body (and its length check fails), never a wrong one. A device that goes away stops
 * the read. A range past the end is a 416 that names the size.
 */
export function sendTarget(res: ServerResponse, withBody: boolean, target: ServedTarget, range: ByteRange = { kind: 'whole' }): void {
  const size = sizeOf(target);
  const headers = { 'Content-Type': 'application/octet-stream', 'Accept-Ranges': 'bytes', ETag: etagOf(target) };
  if (range.kind === 'unsatisfiable') {
    target.blob?.close().catch(() => undefined);
    res.writeHead(416, { ...headers, 'Content-Range': contentRange(range, size), 'Content-Length': 0 });
    res.end();
    return;
  }
  const span = range.kind === 'span' ? { start: range.start, end: range.end } : undefined;
  const length = span ? span.end - span.start + 1 : size;
  res.writeHead(span ? 206 : 200, {
    ...headers,
    ...(span ? { 'Content-Range': contentRange(range as ByteRange & { kind: 'span' }, size) } : {}),
    'Content-Length': length,
  });
  if (target.bytes) {
    res.end(withBody ? (span ? target.bytes.subarray(span.start, span.end + 1) : target.bytes) : undefined);
    return;
  }
  const { blob } = target;
  if (!withBody) {
    res.end();
    blob.close().catch(() => undefined); // nothing was read; a failed close changes nothing for the device
    return;
  }
  const stream = blob.stream(span); // releases the blob at its end or destruction
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

/** How many bytes a request for `range` of the target is sent (the metric of target bytes). */
export function bytesSent(target: ServedTarget, range: ByteRange): number {
  if (range.kind === 'span') return range.end - range.start + 1;
  return range.kind === 'whole' ? sizeOf(target) : 0;
}

const sizeOf = (target: ServedTarget): number => (target.bytes ? target.bytes.length : target.blob.size);
const etagOf = (target: ServedTarget): string => `"${target.sha256}"`;
