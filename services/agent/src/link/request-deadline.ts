/** How long one request to the platform may take, its answer's body included. */
export interface RequestDeadline {
  /** Aborts the request at the deadline, as `AbortSignal.timeout` does: with a `TimeoutError` DOMException. */
  readonly signal: AbortSignal;
  /** Stops the timer: the request is answered and read (or failed). */
  clear(): void;
}

/**
 * A deadline that ends with its request. `AbortSignal.timeout(ms)` cannot be cleared: its timer
 * stays in Node's timer list, holding the signal weakly, until the signal is collected, and a signal
 * that lived through a scavenge waits for a full collection. A device makes six requests per update
 * with a ten-minute deadline each: those timers and signals were ~5 % of what the simulated fleet
 * kept across scavenges (heap survivor profile, bench/README.md round 11). Unref'd, as that timer is.
 */
export function requestDeadline(ms: number): RequestDeadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
