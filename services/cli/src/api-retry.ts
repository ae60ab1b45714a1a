import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How the CLI tries a request again when the api is briefly unable to answer it: a 503 (NATS or
 * JetStream restarting, a leader election) or a connection reset under the request. Only requests
 * that change nothing when repeated are retried: the api takes no idempotency key, so a POST that
 * failed half-way is left to the operator.
 */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** The pause after the first failure; it doubles after each further one. */
  firstPauseMs: number;
  /** No pause is longer, whatever `Retry-After` asks for. */
  maxPauseMs: number;
}

/** Eight tries over about half a minute: long enough to wait out a nats-server restart or an election. */
export const defaultRetry: RetryPolicy = { attempts: 8, firstPauseMs: 500, maxPauseMs: 8_000 };

const repeatableMethods: ReadonlySet<string> = new Set(['GET', 'HEAD']);

/** Whether a request with `method` may be sent again without changing anything. */
export const isRepeatable = (method: string): boolean => repeatableMethods.has(method.toUpperCase());

// A connection the api (or a proxy before it) dropped under the request. A refused connection is
// not among them: nothing listens there, and waiting would only hide a wrong KEELSON_URL.
const resetCodes: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Whether fetch failed because the connection was reset (Node's fetch wraps the socket's error in `cause`). */
export function isConnectionReset(err: unknown): boolean {
  let current = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    if (typeof current.code === 'string' && resetCodes.has(current.code)) return true;
    current = current.cause as typeof current;
  }
  return false;
}

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110 10.2.3); undefined if absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** The pause after failed try `attempt` (1, 2, …): doubling, at least what the server asked, at most `maxPauseMs`. */
export function pauseMs(policy: RetryPolicy, attempt: number, askedMs?: number): number {
  const backoff = policy.firstPauseMs * 2 ** (attempt - 1);
  return Math.min(policy.maxPauseMs, Math.max(backoff, askedMs ?? 0));
}

/**
 * Sends `send()` until it answers something other than 503 or runs out of tries; a reset connection
 * counts as a failed try. The last answer (a 503 too) or error is the caller's.
 */
export async function withRetries(policy: RetryPolicy, send: () => Promise<Response>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    let asked: number | undefined;
    try {
      const res = await send();
      if (res.status !== 503 || attempt >= policy.attempts) return res;
      asked = retryAfterMs(res.headers.get('retry-after'));
      await res.body?.cancel().catch(() => undefined);
    } catch (err) {
      if (!isConnectionReset(err) || attempt >= policy.attempts) throw err;
    }
    await sleep(pauseMs(policy, attempt, asked));
  }
}
