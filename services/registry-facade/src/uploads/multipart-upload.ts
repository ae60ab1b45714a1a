import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import { InvalidInput, type InputIssue } from '@keelson/domain-kit';

/** The text fields that came before the file part, and what the client said about the file. */
export interface UploadHead {
  fields: Record<string, string>;
  filename: string;
  mimeType: string;
}

/** Stores the file part; receives the fields first, so it can refuse before a byte is kept. */
export type StoreFile<S> = (head: UploadHead, file: Readable) => Promise<S>;

const invalid = (issues: InputIssue[]) => new InvalidInput('upload.invalid', issues);
const maxFieldBytes = 256 * 1024; // a manifest is small; a huge field is a mistake or an attack

/**
 * Reads a `multipart/form-data` upload as a stream: text fields first, then exactly one file part
 * named `file`, handed to `store` as it arrives (never buffered whole). Resolves once the whole form
 * was read and stored. On any failure the rest of the request is read and discarded, so the client
 * gets the answer instead of a broken connection.
 */
export function readMultipartUpload<S>(req: IncomingMessage, store: StoreFile<S>): Promise<{ head: UploadHead; stored: S }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fieldSize: maxFieldBytes, fields: 16, files: 1, parts: 17 } });
    } catch {
      reject(
        new InvalidInput('upload.not-multipart', [{ path: ['content-type'], message: 'must be multipart/form-data with a boundary' }]),
      );
      return;
    }
    const fields: Record<string, string> = {};
    const late: InputIssue[] = [];
    let settled = false;
    let result: { head: UploadHead; stored: S } | undefined;
    let formRead = false;
    let fileSeen = false;

    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.resume(); // drain and discard: nothing more is stored
      reject(err);
    };
    const finish = () => {
      // The form can be fully parsed while the file is still being synced and renamed: wait for it.
      if (settled || !formRead || (fileSeen && !result)) return;
      if (!result) return late.length ? fail(invalid(late)) : fail(invalid([{ path: ['file'], message: 'the file part is missing' }]));
      if (late.length) return fail(invalid(late));
      settled = true;
      resolve(result);
    };

    parser.on('field', (name, value, info) => {
      if (fileSeen) late.push({ path: [name], message: 'fields must come before the file part' });
      else if (info.valueTruncated) late.push({ path: [name], message: `must be at most ${maxFieldBytes} bytes` });
      else if (Object.hasOwn(fields, name)) late.push({ path: [name], message: 'was given twice' });
      else fields[name] = value;
    });
    parser.on('file', (name, file, info) => {
      fileSeen = true;
      if (name !== 'file') {
        file.resume();
        return fail(invalid([{ path: [name], message: "the file part must be named 'file'" }]));
      }
      if (late.length) {
        file.resume();
        return fail(invalid(late));
      }
      const head = { fields: { ...fields }, filename: info.filename ?? '', mimeType: info.mimeType };
      store(head, file).then((stored) => {
        result = { head, stored };
        finish();
      }, fail);
    });
    parser.on('filesLimit', () => late.push({ path: ['file'], message: 'exactly one file part is allowed' }));
    parser.on('partsLimit', () => late.push({ path: [], message: 'too many parts' }));
    parser.on('fieldsLimit', () => late.push({ path: [], message: 'too many fields' }));
    parser.on('error', (err) =>
      fail(new InvalidInput('upload.malformed', [{ path: [], message: err instanceof Error ? err.message : 'malformed multipart body' }])),
    );
    parser.on('close', () => {
      formRead = true;
      finish();
    });
    // A client that goes away mid-file: the file stream fails, so the temp file is removed.
    req.on('close', () => {
      if (!req.complete) parser.destroy(new Error('the upload was interrupted'));
    });
    req.pipe(parser);
  });
}
