import { contentRange, ifRangeHolds, parseByteRange } from './byte-range.js';

describe('parseByteRange', () => {
  const size = 1000;

  it('serves the whole representation when there is no Range header', () => {
    expect(parseByteRange(undefined, size)).toEqual({ kind: 'whole' });
  });

  it('reads an open range from an offset (a resumed download) and a closed one', () => {
    expect(parseByteRange('bytes=400-', size)).toEqual({ kind: 'span', start: 400, end: 999 });
    expect(parseByteRange('bytes=0-0', size)).toEqual({ kind: 'span', start: 0, end: 0 });
    expect(parseByteRange(' bytes=10-19 ', size)).toEqual({ kind: 'span', start: 10, end: 19 });
  });

  it('cuts a last byte past the end to the end', () => {
    expect(parseByteRange('bytes=990-5000', size)).toEqual({ kind: 'span', start: 990, end: 999 });
  });

  it('reads a suffix range as the last bytes', () => {
    expect(parseByteRange('bytes=-100', size)).toEqual({ kind: 'span', start: 900, end: 999 });
    expect(parseByteRange('bytes=-5000', size)).toEqual({ kind: 'span', start: 0, end: 999 });
  });

  it('finds a range that starts at or past the end unsatisfiable', () => {
    expect(parseByteRange('bytes=1000-', size)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=2000-3000', size)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=-0', size)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each(['bytes=abc-', 'bytes=-', 'bytes=5-3', 'items=0-10', 'bytes=0-10,20-30', 'bytes=1-2-3', 'bytes=1234567890123456-', 'bytes=+1-2'])(
    'ignores the malformed, multi-range or foreign-unit header %p (the whole representation)',
    (header) => {
      expect(parseByteRange(header, size)).toEqual({ kind: 'whole' });
    },
  );
});

describe('ifRangeHolds', () => {
  const etag = `"${'ab'.repeat(32)}"`;

  it('holds without If-Range and for the same strong tag', () => {
    expect(ifRangeHolds(undefined, etag)).toBe(true);
    expect(ifRangeHolds(etag, etag)).toBe(true);
  });

  it('fails for another tag, a weak tag or a date', () => {
    expect(ifRangeHolds(`"${'cd'.repeat(32)}"`, etag)).toBe(false);
    expect(ifRangeHolds(`W/${etag}`, etag)).toBe(false);
    expect(ifRangeHolds('Mon, 07 Dec 2026 12:00:00 GMT', etag)).toBe(false);
  });
});

describe('contentRange', () => {
  it('names the span and the full size, or only the size for a 416', () => {
    expect(contentRange({ kind: 'span', start: 400, end: 999 }, 1000)).toBe('bytes 400-999/1000');
    expect(contentRange({ kind: 'unsatisfiable' }, 1000)).toBe('bytes */1000');
  });
});
