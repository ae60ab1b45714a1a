import { createReadStream, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { PlatformStream, StreamedResponse } from '../link/platform-fetch.js';
import { openCreating } from '../data-dir/atomic-file.js';
import { isTransientFailure } from './transient-failure.js';

/**
 * A target downloaded into a partial file that outlives a dropped connection and an agent restart
 * (`downloads/<sha256>.part`): each attempt asks only for what the file lacks, and the check sees
 * every byte of the target in order (the file's bytes, then the new ones), so a verified file is
 * the target whole. Nothing here trusts the partial file: its bytes are checked with the rest, and
 * a file whose check fails is discarded by the caller (also one a power loss left with a torn end).
 */
export interface ResumableTarget {
  url: string;
  /** The signed length: a partial file longer than it is discarded. */
  length: number;
  /** The signed sha256: the `If-Range` validator (the facade's ETag of the target). */
  sha256: string;
  file: string;
  /** tuf-js's `TargetFile.verify`: length and every hash, over the whole target. */
  check: (chunks: AsyncIterable<Uint8Array>) => Promise<void>;
}

/** The body of an answer, at most `maxLength` bytes: a refusal throws (DeviceFetcher's `chunks`). */
export type BodyOf = (res: StreamedResponse, maxLength: number) => AsyncIterable<Uint8Array>;

/**
 * The partial file cannot be resumed: a 206 for another span than the one asked for, or a resumed
 * file whose bytes failed the check (a torn write after a power loss, a file of other bytes) or
 * that the facade refused to continue. The file was removed: the next attempt starts from zero.
 */
export class PartialDiscarded extends Error {
  override readonly name = 'PartialDiscarded';
}

/**
 * The size of the partial file, 0 when there is none. One synchronous stat(2) in the data
 * directory: a first download finds no file, and a promise call that fails builds an error with an
 * async stack for nothing (see artifact-slots.ts on readlink).
 */
export const partialSize = (file: string): number => statSync(file, { throwIfNoEntry: false })?.size ?? 0;

/**
 * One attempt: resumes from the partial file's size with `Range: bytes=<size>-` and `If-Range`, or
 * fetches the whole target when there is no partial file or the facade answers 200 (then the file
 * is started over). A file that already holds `length` bytes is only checked. A body cut off leaves
 * what arrived in the file for the next attempt.
 */
export async function resumeOnce(
  fetch: PlatformStream,
  target: ResumableTarget,
  timeoutMs: number,
  body: BodyOf,
  kept = partialSize(target.file),
): Promise<void> {
  let have = kept;
  if (have > target.length) {
    await rm(target.file, { force: true }); // more than the target holds: not a prefix of it
    have = 0;
  }
  if (have === target.length && have > 0) return discardOnFailure(target.file, target.check(createReadStream(target.file)));
  const headers = have > 0 ? { range: `bytes=${have}-`, 'if-range': `"${target.sha256}"` } : undefined;
  // The target is an update's last request: its connection is not left idling at the facade.
  const res = await fetch(target.url, { ...(headers ? { headers } : {}), signal: AbortSignal.timeout(timeoutMs), closeAfter: true });
  let out: WriteStream | undefined;
  try {
    if (have > 0 && res.status === 206 && rangeStart(res.header('content-range')) !== have) {
      await rm(target.file, { force: true });
      throw new PartialDiscarded(`asked for bytes from ${have}, answered ${res.header('content-range') ?? 'no Content-Range'}`);
    }
    // A refusal (a 503 of a facade restarting) is thrown by `body` before the partial file is touched.
    if (!res.ok) for await (const _ of body(res, 0)) break;
    if (res.status !== 206) have = 0; // the whole target: the file starts over
    out = createWriteStream('', { fd: have > 0 ? await open(target.file, 'a', 0o600) : await openCreating(target.file, 0o600) });
    const received = writtenTo(out, body(res, target.length - have));
    const checked = target.check(have > 0 ? concat(createReadStream(target.file, { end: have - 1 }), received) : received);
    await (have > 0 ? discardOnFailure(target.file, checked) : checked);
  } finally {
    res.cancel(); // a check that stopped early, or a body cut off
    if (out) {
      out.end();
      await once(out, 'close');
    }
  }
}

/** A resumed file that failed for another reason than the network is removed (PartialDiscarded). */
async function discardOnFailure(file: string, checked: Promise<void>): Promise<void> {
  try {
    await checked;
  } catch (err) {
    if (isTransientFailure(err)) throw err;
    await rm(file, { force: true });
    throw new PartialDiscarded(`the partial download was discarded: ${(err as Error).message}`, { cause: err });
  }
}

/** The first byte of a `Content-Range: bytes <first>-<last>/<size>`, or NaN. */
function rangeStart(header: string | undefined): number {
  const m = /^bytes (\d+)-\d+\/\d+$/.exec(header?.trim() ?? '');
  return m ? Number(m[1]) : NaN;
}

async function* concat(...parts: AsyncIterable<Uint8Array>[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield* part;
}

/** Passes the chunks on once each is written to `out`. */
async function* writtenTo(out: WriteStream, chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    if (!out.write(chunk)) await once(out, 'drain');
    yield chunk;
  }
}
