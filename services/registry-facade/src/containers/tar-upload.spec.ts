import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { readMultipartUpload } from '../uploads/multipart-upload.js';
import { tarEntries } from './tar-entries.js';

const boundary = 'keelson-spec-boundary';

/** A ustar tar of one file, ended by two zero blocks and padded to a 10 KiB record, as tar(1) writes it. */
function tarOf(name: string, body: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  header.write('0', 156, 'ascii');
  header.write('ustar\u000000', 257, 'ascii');
  const padded = Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
  const archive = Buffer.concat([header, padded, Buffer.alloc(1024)]);
  return Buffer.concat([archive, Buffer.alloc((10_240 - (archive.length % 10_240)) % 10_240)]);
}

/** A request carrying one field and the tar as its file part, delivered in chunks of `size` bytes. */
function upload(tar: Buffer, size: number): IncomingMessage {
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nhello\r\n`),
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.tar"\r\nContent-Type: application/x-tar\r\n\r\n`,
    ),
    tar,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const req = new PassThrough();
  Object.assign(req, { headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, complete: true });
  let at = 0;
  const next = () => {
    if (at >= body.length) return void req.end();
    req.write(body.subarray(at, (at += size)));
    setTimeout(next, 5); // chunks of their own, as a network delivers them
  };
  setImmediate(next);
  return req as unknown as IncomingMessage;
}

describe('a tar read from a multipart upload', () => {
  // The reader stops at the first end-of-archive block; a second one and the record's padding come after
  // it. Unless they are read too, the form never finishes (seen: e2e/publish-tag's podman archive push hung).
  it.each([512, 1000, 4096])('finishes with what comes after the end of the archive, in chunks of %i bytes', async (size) => {
    const read = readMultipartUpload(upload(tarOf('blobs/sha256/ab', Buffer.from('layer bytes')), size), async (_head, file) => {
      const seen: string[] = [];
      for await (const entry of tarEntries(file)) {
        const parts: Buffer[] = [];
        for await (const chunk of entry.body) parts.push(chunk);
        seen.push(`${entry.name}=${Buffer.concat(parts).toString('utf8')}`);
      }
      return seen;
    });
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the upload never finished')), 5_000).unref());
    const done = await Promise.race([read, timeout]);
    expect(done.head.fields).toEqual({ name: 'hello' });
    expect(done.stored).toEqual(['blobs/sha256/ab=layer bytes']);
  });
});
