import { spawn } from 'node:child_process';
import { failedBecause, passed, type ProbeResult } from './probe-result.js';

export interface ExecAttempt {
  path: string;
  args: readonly string[];
  activePath: string;
  timeoutMs: number;
}

/**
 * Runs a health-check binary once, with no shell: the arguments reach it as they are, the active
 * artifact's path is appended as the last argument and passed as `KEELSON_ARTIFACT_PATH`. Exit 0 is
 * healthy; a check still running at the timeout is killed and counts as a failure.
 */
export function execOnce({ path, args, activePath, timeoutMs }: ExecAttempt): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', KEELSON_ARTIFACT_PATH: activePath };
    const child = spawn(path, [...args, activePath], { shell: false, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-200);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve(failedBecause(`could not run ${path}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return resolve(failedBecause(`${path} did not finish within ${timeoutMs / 1000} s`));
      if (code === 0) return resolve(passed);
      const detail = stderr.trim() ? `: ${stderr.trim()}` : '';
      resolve(failedBecause(`${path} exited with ${code === null ? `signal ${signal}` : `code ${code}`}${detail}`));
    });
  });
}
