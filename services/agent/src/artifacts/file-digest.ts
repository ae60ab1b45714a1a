import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** The sha256 (lowercase hex) and length of a file, read as a stream. */
export async function fileDigest(path: string): Promise<{ sha256: string; length: number }> {
  const hash = createHash('sha256');
  let length = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), length };
}
