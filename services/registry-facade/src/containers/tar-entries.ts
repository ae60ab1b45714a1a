import { RuleViolation } from '@keelson/domain-kit';

/** One file of a tar archive; read `body` to its end before asking for the next entry. */
export interface TarEntry {
  name: string;
  size: number;
  /** `0` a file, `5` a directory, … (ustar typeflag). */
  type: string;
  body: AsyncIterable<Buffer>;
}

const notTar = (why: string) => new RuleViolation('container.bad-archive', `the upload is not an OCI image layout tar: ${why}`);

/** Reads exact byte counts from a chunk stream, holding at most one chunk beyond what was asked. */
class ChunkReader {
  private held: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  private readonly chunks: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.chunks = source[Symbol.asyncIterator]();
  }

  async read(n: number): Promise<Buffer> {
    while (this.held.length < n) {
      const next = await this.chunks.next();
      if (next.done) throw notTar('it ends in the middle of an entry');
      this.held = this.held.length ? Buffer.concat([this.held, next.value]) : next.value;
    }
    const out = this.held.subarray(0, n);
    this.held = this.held.subarray(n);
    return out;
  }

  /** Reads the source to its end, discarding it. */
  async drain(): Promise<void> {
    this.held = Buffer.alloc(0);
    while (!(await this.chunks.next()).done);
  }

  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (!this.held.length) {
        const next = await this.chunks.next();
        if (next.done) throw notTar('it ends in the middle of an entry');
        this.held = next.value;
      }
      const part = this.held.subarray(0, Math.min(left, this.held.length));
      this.held = this.held.subarray(part.length);
      left -= part.length;
      yield part;
    }
  }
}

const text = (b: Buffer, from: number, to: number) => b.toString('utf8', from, to).replace(/\0.*$/s, '');

function sizeOf(header: Buffer): number {
  const raw = text(header, 124, 136).trim();
  if (!/^[0-7]+$/.test(raw)) throw notTar('an entry size is not octal');
  return parseInt(raw, 8);
}

/** The `path` of a PAX extended header (long names), if it has one. */
function paxPath(records: Buffer): string | undefined {
  for (const line of records.toString('utf8').split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

/**
 * The entries of a ustar/PAX tar (what `podman save --format oci-archive` and `skopeo copy
 * oci-archive:` write), as they stream: nothing is buffered beyond one chunk and a header.
 */
export async function* tarEntries(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const reader = new ChunkReader(source);
  let longName: string | undefined;
  for (;;) {
    const header = await reader.read(512);
    if (header.every((b) => b === 0)) {
      // The end-of-archive block. A second one and a record's padding may follow: read them too, or
      // the upload they come in (a multipart form) never finishes.
      return reader.drain();
    }
    const size = sizeOf(header);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = text(header, 257, 262) === 'ustar' ? text(header, 345, 500) : '';
    const name = (longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100))).replace(/^\.\//, '');
    const padding = (512 - (size % 512)) % 512;
    if (type === 'x' || type === 'g' || type === 'L') {
      const records = await reader.read(size);
      await reader.read(padding);
      if (type === 'x') longName = paxPath(records);
      if (type === 'L') longName = text(records, 0, records.length); // GNU tar's long name
      continue;
    }
    longName = undefined;
    const body = reader.stream(size);
    yield { name, size, type, body: { [Symbol.asyncIterator]: () => body } };
    for await (const unread of body) void unread; // skip what the consumer did not read (a directory, an unknown file)
    await reader.read(padding);
  }
}
