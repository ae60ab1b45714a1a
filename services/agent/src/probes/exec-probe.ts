import { spawn } from 'node:child_process';
import { failedBecause, passed, type ProbeResult } from './probe-result.js';

export interface ExecAttempt {
  path: string;
  args: readonly string[];
  activePath: string;
  timeoutMs: number;
  /** Kills the check when the agent stops. */
  signal?: AbortSignal;
}

/**
 * Runs a health-check binary once, with no shell: the arguments reach it as they are, the active
 * artifact's path is appended as the last argument and passed as `KEELSON_ARTIFACT_PATH`. Exit 0 is
 * healthy; a check still running at the timeout is killed and counts as a failure.
 */
export function execOnce({ path, args, activePath, timeoutMs, signal }: ExecAttempt): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', KEELSON_ARTIFACT_PATH: activePath };
    // Its own process group, so a timeout kills whatever the check started too.
    const child = spawn(path, [...args, activePath], { shell: false, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-200);
    });
    let settled = false;
    const settle = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onStop);
      resolve(result);
    };
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL'); // the group is already gone
      }
    };
    const timer = setTimeout(() => {
      killGroup();
      settle(failedBecause(`${path} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onStop = () => {
      killGroup();
      settle(failedBecause(`${path} was stopped with the agent`));
    };
    signal?.addEventListener('abort', onStop, { once: true });
    child.once('error', (err) => settle(failedBecause(`could not run ${path}: ${err.message}`)));
    const outcome = (code: number | null, signal: NodeJS.Signals | null): ProbeResult => {
      if (code === 0) return passed;
      const detail = stderr.trim() ? `: ${stderr.trim()}` : '';
      return failedBecause(`${path} exited with ${code === null ? `signal ${signal}` : `code ${code}`}${detail}`);
    };
    child.once('close', (code, signal) => settle(outcome(code, signal)));
    // 'close' waits for stdio; a background process of the check could hold it open for long.
    child.once('exit', (code, signal) => void setTimeout(() => settle(outcome(code, signal)), 200).unref());
  });
}
