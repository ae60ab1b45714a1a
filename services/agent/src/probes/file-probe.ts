import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { failedBecause, passed, type ProbeResult } from './probe-result.js';

// Coarse file-system clocks can stamp a file written right after the swap slightly before it.
const clockSlackMs = 1_000;

/** Where a file probe looks: the path itself, or the same path inside a simulated device's root. */
export function fileProbePath(path: string, probeRoot?: string): string {
  return probeRoot ? join(probeRoot, path) : path;
}

/**
 * The readiness file must exist and, when `since` is given, have been written after the swap: a
 * file left over from the previous version must not vouch for the new one.
 */
export async function fileOnce(path: string, since?: Date): Promise<ProbeResult> {
  try {
    const info = await stat(path);
    if (since && info.mtimeMs < since.getTime() - clockSlackMs) return failedBecause(`${path} is older than the update`);
    return passed;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return failedBecause(code === 'ENOENT' ? `${path} does not exist` : `${path} cannot be read (${code})`);
  }
}
