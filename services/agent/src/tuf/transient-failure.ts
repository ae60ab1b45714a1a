import { DownloadHTTPError } from 'tuf-js/dist/error.js';

/**
 * Network failures a device meets on a flaky link or in front of an overloaded facade: a connect
 * that timed out (SYNs dropped by a full listen backlog) or was refused (the facade restarting), a
 * connection reset or dropped, before the response or in the middle of its body. Trying again
 * later may succeed. A TLS verification failure (a certificate that does not chain to the pinned
 * CA, a wrong name) is not among them: it would fail the same way again.
 */
const transientCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** How deep an error's `cause` chain is followed (global fetch wraps the socket's error in a TypeError). */
const maxCauseDepth = 4;

/**
 * Whether a failed request is worth trying again: a 5xx answer (the facade, or the gateway behind
 * it, is overloaded or restarting) or a transient network failure. A 4xx answer, a body longer than
 * announced, a TLS verification failure or a timeout of the whole request are final.
 */
export function isTransientFailure(err: unknown): boolean {
  if (err instanceof DownloadHTTPError) return err.statusCode >= 500;
  // Read by shape, not `instanceof Error`: Node's own errors may come from another realm (a test's VM context).
  let current = err as { code?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; depth < maxCauseDepth && typeof current === 'object' && current !== null; depth++) {
    if (typeof current.code === 'string' && transientCodes.has(current.code)) return true;
    current = current.cause as typeof current;
  }
  return false;
}

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
