/**
 * What a `Range` header asks of a representation of `size` bytes (RFC 9110 §14): the whole of it,
 * one inclusive span of it, or nothing it can satisfy.
 */
export type ByteRange = { kind: 'whole' } | { kind: 'span'; start: number; end: number } | { kind: 'unsatisfiable' };

const whole: ByteRange = { kind: 'whole' };

// One range spec of the `bytes` unit: `first-`, `first-last` or the suffix `-length`. Digits only,
// at most 15 of them (below 2^53, so Number keeps them exact).
const singleRange = /^bytes=(\d{0,15})-(\d{0,15})$/;

/**
 * Reads the `Range` header of a GET for `size` bytes. RFC 9110 §14.2 lets a server ignore a Range
 * it does not understand and send the whole representation, which is what happens here to a header
 * that is malformed, names another unit, or lists several ranges (a device resuming a download
 * asks for one; a multipart answer would only add a format the agent never reads). A well-formed
 * single range that starts past the end is unsatisfiable (a 416); a last byte past the end is cut
 * to the end (§14.1.2).
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange {
  if (header === undefined) return whole;
  const m = singleRange.exec(header.trim());
  if (!m) return whole;
  const [first, last] = [m[1]!, m[2]!];
  if (first === '' && last === '') return whole;
  if (first === '') {
    // `-N`: the last N bytes; a zero-length suffix selects nothing.
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'span', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return whole; // `5-3` is invalid syntax (§14.1.1): ignored like any other
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'span', start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}

/**
 * Whether a conditional range may be honoured (RFC 9110 §13.1.5): with no `If-Range`, yes; with
 * one, only when it is the strong entity tag of what is served now. A date is never a match here:
 * targets carry no Last-Modified, so a validator of that kind cannot prove the bytes unchanged.
 */
export function ifRangeHolds(ifRange: string | undefined, etag: string): boolean {
  if (ifRange === undefined) return true;
  return ifRange.trim() === etag;
}

/** The `Content-Range` of a span, or of a 416 (`bytes *\/size`). */
export function contentRange(range: ByteRange & { kind: 'span' | 'unsatisfiable' }, size: number): string {
  return range.kind === 'span' ? `bytes ${range.start}-${range.end}/${size}` : `bytes */${size}`;
}
