import { setTimeout as sleep } from 'node:timers/promises';

/**
 * How the agent tries a request to the platform again after a failure that may pass (a 503 while
 * the broker is away, a connection refused or reset while a service restarts): a bounded number of
 * attempts, pauses that double with jitter, and a `Retry-After` the platform asked for honoured up
 * to the longest pause. The downloads (tuf/device-fetcher.ts) and the certificate renewal
 * (renewal/renew-certificate.ts) both use it, each with its own reading of which failures pass,
 * and both read a `Retry-After` with `retryAfterMs`.
 */

/** The longest pause between two attempts at one request. */
export const maxRetryPauseMs = 30_000;

/**
 * The pause after failed attempt `attempt` (1, 2, …): doubling from `baseMs` up to
 * `maxRetryPauseMs`, times a random factor in [0.5, 1.5), so the devices an overloaded facade turned
 * away together do not all come back at the same moment.
 */
export function retryPauseMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  return Math.min(maxRetryPauseMs, baseMs * 2 ** (attempt - 1)) * (0.5 + random());
}

/** How often a request is tried, and the first pause (see `retryPauseMs`). */
export interface RetryPolicy {
  attempts: number;
  pauseMs: number;
}

/**
 * Six attempts over about 30 s: a facade that answers 503 while it waits on an overloaded gateway
 * (seen in a 10,000-device rollout on 2 cores) is waited out; a refusal (4xx) is final at once.
 */
export const defaultRetry: RetryPolicy = { attempts: 6, pauseMs: 1_000 };

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110 10.2.3); undefined if absent or unreadable. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Which failures are worth another attempt, and how long a failure asked to wait (its `Retry-After`), if it did. */
export interface TransientFailures {
  isTransient: (err: unknown) => boolean;
  askedPauseMs: (err: unknown) => number | undefined;
}

/**
 * Runs `request` (given the attempt number, from 1) until it succeeds, fails for good, or has used
 * `retry.attempts`; the last failure is thrown. Between attempts it waits the backoff pause, or
 * longer if the failure asked for it, never longer than `maxRetryPauseMs`.
 */
export async function retryTransient<T>(
  request: (attempt: number) => Promise<T>,
  failures: TransientFailures,
  retry: RetryPolicy = defaultRetry,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let asked: number | undefined;
    try {
      return await request(attempt);
    } catch (err) {
      if (attempt >= retry.attempts || !failures.isTransient(err)) throw err;
      asked = failures.askedPauseMs(err);
    }
    await sleep(Math.min(maxRetryPauseMs, Math.max(retryPauseMs(attempt, retry.pauseMs), asked ?? 0)));
  }
}
