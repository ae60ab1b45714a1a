import { Transform, type TransformCallback } from 'node:stream';
import type { ByteRange } from './blob-range.js';

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
