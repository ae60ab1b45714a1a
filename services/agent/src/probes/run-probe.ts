import { setTimeout as sleep } from 'node:timers/promises';
import type { Probe } from '@keelson/events/device-protocol';
import { execOnce } from './exec-probe.js';
import { fileOnce, fileProbePath } from './file-probe.js';
import { httpOnce } from './http-probe.js';
import { boundedReason, failedBecause, type ProbeResult } from './probe-result.js';

export interface ProbeContext {
  /** The active artifact file (`artifacts/<name>/current/<basename>`). */
  activePath: string;
  /** Exec probes may run only these binaries: the agent's own configuration, never the rollout's. */
  allowExec: ReadonlySet<string>;
  /** Simulated devices resolve file probes inside their own root. */
  probeRoot?: string;
  /** Pause between failed attempts (default 1 s). */
  retryPauseMs?: number;
  /** Aborts waiting and running checks when the agent stops; the probe then rejects with the abort reason. */
  signal?: AbortSignal;
}

function attemptOf(probe: Probe, ctx: ProbeContext): () => Promise<ProbeResult> {
  const timeoutMs = probe.timeoutSeconds * 1000;
  switch (probe.kind) {
    case 'exec':
      return () =>
        execOnce({
          path: probe.path,
          args: probe.args ?? [],
          activePath: ctx.activePath,
          timeoutMs,
          ...(ctx.signal ? { signal: ctx.signal } : {}),
        });
    case 'http':
      return () => httpOnce(probe.url, timeoutMs, ctx.signal);
    case 'file': {
      const path = fileProbePath(probe.path, ctx.probeRoot);
      // The check itself is instant; the timeout is how long the workload gets to write the file.
      return async () => {
        const end = Date.now() + timeoutMs;
        for (;;) {
          const result = await fileOnce(path, probe.path); // reports name the rollout's path, not the simulator's
          if (result.ok || Date.now() >= end) return result;
          await sleep(Math.min(100, Math.max(1, end - Date.now())), undefined, { signal: ctx.signal });
        }
      };
    }
  }
}

/**
 * Runs a rollout's health probe: waits the initial delay, then tries up to `attempts` times, each
 * bounded by the timeout. An exec probe of a binary outside the allowlist fails at once.
 */
export async function runProbe(probe: Probe, ctx: ProbeContext): Promise<ProbeResult> {
  if (probe.kind === 'exec' && !ctx.allowExec.has(probe.path)) {
    return failedBecause(`exec probe ${probe.path} is not on this agent's allowlist (--allow-exec)`);
  }
  const attempt = attemptOf(probe, ctx);
  if (probe.initialDelaySeconds > 0) await sleep(probe.initialDelaySeconds * 1000, undefined, { signal: ctx.signal });
  let last: ProbeResult = failedBecause('probe did not run');
  for (let n = 1; n <= probe.attempts; n++) {
    ctx.signal?.throwIfAborted();
    last = await attempt();
    ctx.signal?.throwIfAborted(); // a check cut short by a stop says nothing about the version
    if (last.ok) return last;
    if (n < probe.attempts) await sleep(ctx.retryPauseMs ?? 1000, undefined, { signal: ctx.signal });
  }
  const why = last.ok ? '' : last.reason;
  return failedBecause(boundedReason(`probe failed after ${probe.attempts} attempt${probe.attempts === 1 ? '' : 's'}: ${why}`));
}
