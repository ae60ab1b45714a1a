import { blobRangeOf, contentRangeOf, unsatisfiedRangeOf } from './blob-range.js';

describe('blobRangeOf: the Range header of a blob pull', () => {
  it('takes bytes=N- to the end and bytes=N-M with both ends included', () => {
    expect(blobRangeOf('bytes=0-', 10)).toEqual({ start: 0, end: 9 });
    expect(blobRangeOf('bytes=4-', 10)).toEqual({ start: 4, end: 9 });
    expect(blobRangeOf('bytes=2-5', 10)).toEqual({ start: 2, end: 5 });
    expect(blobRangeOf('bytes=9-9', 10)).toEqual({ start: 9, end: 9 });
  });

  it('cuts an end past the blob to its last byte', () => {
    expect(blobRangeOf('bytes=3-99', 10)).toEqual({ start: 3, end: 9 });
  });

  it('answers unsatisfiable for a first byte at or past the end, also of an empty blob', () => {
    expect(blobRangeOf('bytes=10-', 10)).toBe('unsatisfiable');
    expect(blobRangeOf('bytes=12-20', 10)).toBe('unsatisfiable');
    expect(blobRangeOf('bytes=0-', 0)).toBe('unsatisfiable');
  });

  it('serves the whole blob for no header and for forms it does not take', () => {
    for (const header of [undefined, 'items=0-1', 'bytes=-5', 'bytes=0-1,3-4', 'bytes=5-2', 'bytes=a-', 'bytes=1e3-', 'bytes=9999999999999999-'])
      expect([header, blobRangeOf(header, 10)]).toEqual([header, 'whole']);
  });

  it('writes Content-Range for a part and for a refusal', () => {
    expect(contentRangeOf({ start: 2, end: 5 }, 10)).toBe('bytes 2-5/10');
    expect(unsatisfiedRangeOf(10)).toBe('bytes */10');
  });
});
