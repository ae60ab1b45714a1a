import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';

/** A multipart/form-data body produced as a stream: the text fields first, then the file, read as it is sent. */
export interface MultipartBody {
  contentType: string;
  body: AsyncIterable<Uint8Array>;
}

// RFC 7578 4.2: quotes and line breaks in a filename are escaped; nothing else is needed for a basename.
const quoted = (s: string) => s.replace(/["\r\n]/g, (c) => encodeURIComponent(c));

/**
 * Builds the upload the facade expects: `fields` in order (it checks the manifest before storing a
 * byte), then `file` from `fs.createReadStream`, so a multi-gigabyte model never sits in memory.
 */
export function multipartBody(fields: [string, string][], file: { field: string; path: string }): MultipartBody {
  const boundary = `keelson-${randomBytes(12).toString('hex')}`;
  async function* parts(): AsyncGenerator<Uint8Array> {
    for (const [name, value] of fields) {
      yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`);
    }
    yield Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(file.field)}"; filename="${quoted(basename(file.path))}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    for await (const chunk of createReadStream(file.path)) yield chunk as Buffer;
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: parts() };
}
