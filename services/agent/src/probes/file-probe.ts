import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { failedBecause, passed, type ProbeResult } from './probe-result.js';

/** Where a file probe looks: the path itself, or the same path inside a simulated device's root. */
export function fileProbePath(path: string, probeRoot?: string): string {
  return probeRoot ? join(probeRoot, path) : path;
}

/**
 * The readiness file must exist. Removing a stale one before a swap is the workload's business (it
 * owns the file; the agent never deletes a path a rollout names), as the simulator's application does.
 */
export async function fileOnce(path: string, shownAs = path): Promise<ProbeResult> {
  try {
    await stat(path);
    return passed;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return failedBecause(code === 'ENOENT' ? `${shownAs} does not exist` : `${shownAs} cannot be read (${code})`);
  }
}
