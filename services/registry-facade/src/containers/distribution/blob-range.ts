import { Transform, type TransformCallback } from 'node:stream';

/** The bytes a Range request asks for, both ends included (RFC 9110 14.1.2). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * What a `Range` header asks of a blob of `size` bytes:
 * - `'whole'`: no Range header, or one this route does not take (another unit, several ranges, a
 *   suffix `bytes=-N`, bad syntax): RFC 9110 14.2 lets a server ignore such a header and send 200.
 * - a ByteRange: `bytes=N-` (to the end) or `bytes=N-M` (an end past the blob is cut to its last byte).
 * - `'unsatisfiable'`: a first byte at or past the end of the blob (416).
 *
 * Only the forms OCI clients send when they resume a layer are served; the rest get the whole blob,
 * which every client can take.
 */
export function blobRangeOf(header: string | undefined, size: number): ByteRange | 'whole' | 'unsatisfiable' {
  if (header === undefined) return 'whole';
  const m = /^bytes=(\d{1,15})-(\d{0,15})$/.exec(header.trim());
  if (!m) return 'whole';
  const start = Number(m[1]);
  const last = m[2] === '' ? Infinity : Number(m[2]);
  if (last < start) return 'whole'; // not a valid range: RFC 9110 14.1.1 says to ignore it
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(last, size - 1) };
}

/** The `Content-Range` of a partial answer: `bytes START-END/SIZE`. */
export const contentRangeOf = (range: ByteRange, size: number): string => `bytes ${range.start}-${range.end}/${size}`;

/** The `Content-Range` of a 416: `bytes *\/SIZE`. */
export const unsatisfiedRangeOf = (size: number): string => `bytes */${size}`;

/**
 * Passes on only the bytes of `range` of what flows through it, chunk by chunk (nothing is held),
 * and ends as soon as the range is out, calling `onDone` then (at once, not at the end event a
 * tick later) so the source can be stopped before it reads on. The blob
 * stores read a blob from its start, so the bytes before the range are read and dropped: a resumed
 * layer pull costs a read of what came before, never memory.
 */
export class ByteWindow extends Transform {
  private at = 0;
  private done = false;

  constructor(
    private readonly range: ByteRange,
    private readonly onDone: () => void = () => undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, next: TransformCallback): void {
    if (this.done) return next();
    const from = Math.max(this.range.start - this.at, 0);
    const to = Math.min(this.range.end + 1 - this.at, chunk.length);
    this.at += chunk.length;
    if (to > from) this.push(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to));
    if (this.at > this.range.end) {
      this.done = true;
      this.push(null);
      next();
      this.onDone();
      return;
    }
    next();
  }
}
