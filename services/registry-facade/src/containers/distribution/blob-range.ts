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
