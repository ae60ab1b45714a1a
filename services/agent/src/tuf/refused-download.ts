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

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110 10.2.3); undefined if absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** The pause a failed download asks for, if it was refused with a `Retry-After`. */
export const askedPauseMs = (err: unknown): number | undefined => (err instanceof RefusedDownload ? err.retryAfterMs : undefined);
