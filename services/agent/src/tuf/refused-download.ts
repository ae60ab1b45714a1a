import { DownloadHTTPError } from 'tuf-js/dist/error.js';

/**
 * A download the facade answered with an error status, with how long it asked the device to wait
 * (`Retry-After` of a 503: the broker or a service behind the facade briefly away). A subclass of
 * tuf-js's own error, so tuf-js still reads a 403/404 on `<N+1>.root.json` as "no newer root".
 */
export class RefusedDownload extends DownloadHTTPError {
  constructor(
    message: string,
    statusCode: number,
    /** What `Retry-After` asked for, in milliseconds; undefined when the answer named no wait. */
    readonly retryAfterMs?: number,
  ) {
    super(message, statusCode);
    this.name = 'RefusedDownload';
  }
}

/** The pause a failed download asks for, if it was refused with a `Retry-After`. */
export const askedPauseMs = (err: unknown): number | undefined => (err instanceof RefusedDownload ? err.retryAfterMs : undefined);
