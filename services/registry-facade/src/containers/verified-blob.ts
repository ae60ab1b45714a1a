import { createHash } from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';
import { RuleViolation } from '@keelson/domain-kit';

/** Bytes (from a registry or an archive) are not the digest that names them: nothing of them is kept. */
export const digestMismatch = (what: string, expected: string, got: string) =>
  new RuleViolation('container.digest-mismatch', `${what} is not ${expected}: got ${got}; nothing was published`);

/**
 * A pass-through that hashes and counts as the bytes flow and fails the stream, before its end
 * reaches the store, when they are longer or shorter than `size` or their sha256 is not `digest`.
 */
export class DigestCheck extends Transform {
  private readonly hash = createHash('sha256');
  private length = 0;

  constructor(
    private readonly what: string,
    private readonly digest: string,
    private readonly size: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.length += chunk.length;
    if (this.length > this.size)
      return done(digestMismatch(this.what, this.digest, `more than the ${this.size} bytes its descriptor states`));
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: (err?: Error | null) => void): void {
    if (this.length !== this.size) return done(digestMismatch(this.what, this.digest, `${this.length} bytes, not ${this.size}`));
    const got = `sha256:${this.hash.digest('hex')}`;
    done(got === this.digest ? null : digestMismatch(this.what, this.digest, got));
  }
}

/** `body` checked against `digest` and `size` as it streams; an error of either side fails the result. */
export function verifiedStream(body: Readable, what: string, digest: string, size: number): Readable {
  return pipeline(body, new DigestCheck(what, digest, size), () => undefined);
}

/** The sha256 digest (`sha256:<hex>`) of bytes held in memory. */
export const digestOf = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
