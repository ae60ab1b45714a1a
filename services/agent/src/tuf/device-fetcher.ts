import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Fetcher } from 'tuf-js';
// tuf-js treats a 403/404 on `<N+1>.root.json` as "no newer root" only for its own error class.
import { platformStream, type ClientIdentity, type PlatformStream, type StreamedResponse } from '../link/platform-fetch.js';
import { DownloadLengthMismatchError } from 'tuf-js/dist/error.js';
import { askedPauseMs, isTransientFailure, RefusedDownload } from './transient-failure.js';
import { defaultRetry, maxRetryPauseMs, retryAfterMs, retryPauseMs, retryTransient, type RetryPolicy } from '../link/retry-backoff.js';
import { partialSize, PartialDiscarded, resumeOnce, type ResumableTarget } from './resumable-download.js';

/** How a device reaches the facade: the CA its HTTPS chains to, and the device's own certificate. */
export interface FacadeTransport {
  /** The platform CA (PEM) the facade's HTTPS chains to; absent: the machine's trust store. */
  platformCa?: string;
  /** The device certificate and key, presented in the TLS handshake: the facade knows the device by it (mutual TLS). */
  clientIdentity?: ClientIdentity;
}

export { defaultRetry, maxRetryPauseMs, retryPauseMs, type RetryPolicy } from '../link/retry-backoff.js';

/** The longest refusal body read to its end; a longer one is cut off, and its connection with it. */
const discardLimit = 64 * 1024;

/**
 * Reads a refusal's body (tuf-js's `2.root.json` 404 at the start of every refresh) to its end:
 * cancelled half-read, the response would take its kept-alive connection down with it, and the
 * next request of the update would pay a new TLS handshake.
 */
async function discard(res: StreamedResponse): Promise<void> {
  if (!res.body) return;
  let read = 0;
  for await (const chunk of res.body) {
    read += chunk.length;
    if (read > discardLimit) break; // leaving the loop cancels the body
  }
}

/**
 * tuf-js's fetcher for a device: every request is made on a TLS connection where the device
 * presented its certificate (the facade authenticates devices by it, nothing else), and target
 * downloads are buffered in a temp file inside the data directory rather than in `os.tmpdir()`, which may be
 * small or shared on a device.
 */
export class DeviceFetcher implements Fetcher {
  /** Answers as Node streams: a body is read chunk by chunk, with no Web stream or Response per request. */
  private readonly fetch: PlatformStream;

  constructor(
    transport: FacadeTransport,
    private readonly tmpDir: string,
    private readonly retry: RetryPolicy = defaultRetry,
    private readonly timeoutMs = 600_000,
  ) {
    this.fetch = platformStream(transport.platformCa, transport.clientIdentity);
  }

  async downloadFile<T>(url: string, maxLength: number, handler: (file: string) => Promise<T>): Promise<T> {
    await mkdir(this.tmpDir, { recursive: true });
    const temp = join(this.tmpDir, `fetch-${randomBytes(6).toString('hex')}.part`);
    try {
      // Each attempt starts the temp file over: a body cut off half-way leaves nothing behind.
      await this.retrying(() => this.saveTo(url, maxLength, temp));
      return await handler(temp);
    } finally {
      await rm(temp, { force: true });
    }
  }

  /**
   * Metadata (tuf-js's reads of root, timestamp, snapshot and targets) is small and bounded by
   * `maxLength`: it is read into memory, with no temp file and no directory work per request.
   */
  async downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    return this.retrying(async () => {
      const chunks: Uint8Array[] = [];
      await this.receive(url, maxLength, (chunk) => void chunks.push(chunk));
      return Buffer.concat(chunks);
    });
  }

  /**
   * Downloads a target into its partial file (0600), resuming what an earlier attempt or an earlier
   * run of the agent left there (resumable-download.ts); each chunk is written and handed to `check`
   * as it arrives, so the file is not read back to be verified (only a resumed prefix is, once). A
   * dropped connection is tried again with backoff from where it stopped; an attempt that brought
   * new bytes starts the count of attempts over, so a link that keeps failing but keeps moving
   * finishes. A resumed file that cannot be continued is discarded and the target fetched from
   * zero; a failed check or a refusal from zero is final: the caller discards the file then.
   */
  async downloadResumable(target: ResumableTarget): Promise<void> {
    for (let failures = 0; ;) {
      const before = partialSize(target.file);
      let asked: number | undefined;
      try {
        return await resumeOnce(this.fetch, target, this.timeoutMs, (res, maxLength) => this.chunks(target.url, maxLength, res), before);
      } catch (err) {
        if (!isTransientFailure(err) && !(err instanceof PartialDiscarded)) throw err;
        failures = partialSize(target.file) > before ? 1 : failures + 1;
        if (failures >= this.retry.attempts) throw err;
        asked = askedPauseMs(err);
      }
      await sleep(Math.min(maxRetryPauseMs, Math.max(retryPauseMs(failures, this.retry.pauseMs), asked ?? 0)));
    }
  }

  /**
   * A facade that is restarting, overloaded or briefly unreachable (a 5xx, a refused, timed-out or
   * dropped connection, also in the middle of a body) is tried again, backing off with jitter; a
   * refusal (4xx), a TLS verification failure or an overlong body is final (`isTransientFailure`).
   * A 503's `Retry-After` is honoured, up to `maxRetryPauseMs`.
   */
  private retrying<T>(request: () => Promise<T>): Promise<T> {
    return retryTransient(request, { isTransient: isTransientFailure, askedPauseMs }, this.retry);
  }

  private async saveTo(url: string, maxLength: number, file: string): Promise<void> {
    const out = createWriteStream(file, { mode: 0o600 });
    try {
      await this.receive(url, maxLength, async (chunk) => {
        if (!out.write(chunk)) await once(out, 'drain');
      });
    } finally {
      out.end();
      await once(out, 'close');
    }
  }

  private async receive(url: string, maxLength: number, take: (chunk: Uint8Array) => Promise<void> | void): Promise<void> {
    const res = await this.fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    for await (const chunk of this.chunks(url, maxLength, res)) await take(chunk);
  }

  /** The body chunk by chunk; a refusal throws, and a body longer than `maxLength` is cut off with an error (endless data). */
  private async *chunks(url: string, maxLength: number, res: StreamedResponse): AsyncGenerator<Uint8Array> {
    if (!res.ok || !res.body) {
      await discard(res);
      throw new RefusedDownload(
        `GET ${url} answered ${res.status}`,
        res.status,
        res.status === 503 ? retryAfterMs(res.retryAfter) : undefined,
      );
    }
    let received = 0;
    for await (const chunk of res.body) {
      received += chunk.length;
      if (received > maxLength) throw new DownloadLengthMismatchError(`GET ${url} sent more than the ${maxLength} bytes expected`);
      yield chunk;
    }
  }
}
