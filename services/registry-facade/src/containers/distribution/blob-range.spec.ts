import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { blobRangeOf, ByteWindow, contentRangeOf, unsatisfiedRangeOf } from './blob-range.js';

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

/** `bytes` as a stream of `chunk`-byte pieces, counting how many pieces were read. */
function chunked(bytes: Buffer, chunk: number): { stream: Readable; read: () => number } {
  let at = 0;
  let pieces = 0;
  const stream = new Readable({
    read() {
      if (at >= bytes.length) return this.push(null);
      pieces++;
      this.push(bytes.subarray(at, (at += chunk)));
    },
  });
  return { stream, read: () => pieces };
}

describe('ByteWindow: the bytes of a range out of a blob stream', () => {
  const blob = randomBytes(10_000);

  it('passes exactly start..end (inclusive) across chunk boundaries', async () => {
    for (const [start, end, chunk] of [[0, 9_999, 1000], [1000, 1999, 1000], [999, 1000, 1000], [1234, 8765, 333], [9_999, 9_999, 4096], [0, 0, 7]] as const) {
      const out = await buffer(chunked(blob, chunk).stream.pipe(new ByteWindow({ start, end })));
      expect([start, end, chunk, out.equals(blob.subarray(start, end + 1))]).toEqual([start, end, chunk, true]);
    }
  });

  it('says when the range is out, so the source is stopped there and not read to its end', async () => {
    const source = chunked(blob, 100);
    const out = await buffer(source.stream.pipe(new ByteWindow({ start: 0, end: 149 }, () => source.stream.destroy())));
    expect(out.equals(blob.subarray(0, 150))).toBe(true);
    expect(source.read()).toBeLessThan(10); // of 100 pieces (a stream may read a few ahead)
  });
});
