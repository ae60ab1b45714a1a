import { failedBecause, passed, type ProbeResult } from './probe-result.js';

/** One GET against the workload's endpoint; any 2xx within the timeout is healthy. */
export async function httpOnce(url: string, timeoutMs: number, stop?: AbortSignal): Promise<ProbeResult> {
  try {
    const signal = stop ? AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    const res = await fetch(url, { signal, redirect: 'manual' });
    await res.body?.cancel();
    return res.ok ? passed : failedBecause(`GET ${url} answered ${res.status}`);
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TimeoutError') return failedBecause(`GET ${url} did not answer within ${timeoutMs / 1000} s`);
    return failedBecause(`GET ${url} failed: ${(e.cause as Error | undefined)?.message ?? e.message}`);
  }
}
