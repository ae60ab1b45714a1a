import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { ByteWindow } from './byte-window.js';

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
