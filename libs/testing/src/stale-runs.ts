import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, stopStaleProcess } from '@keelson/local-infra';

export const runDirPrefix = 'keelson-test-';

/** The directory of one test run; its name carries the pid of the Jest process that owns it. */
export function runDirName(runId: string): string {
  return `${runDirPrefix}${process.pid}-${runId}`;
}

/**
 * A Jest process that was killed leaves its nats-server and postgres running and its directory
 * behind. Stop those (only if their owner is gone) and remove the directory.
 */
export async function cleanStaleRuns(root = tmpdir()): Promise<number> {
  let cleaned = 0;
  for (const entry of readdirSync(root)) {
    if (!entry.startsWith(runDirPrefix)) continue;
    const owner = Number.parseInt(entry.slice(runDirPrefix.length).split('-')[0] ?? '', 10);
    if (!Number.isInteger(owner) || isAlive(owner)) continue;
    const dir = join(root, entry);
    await stopStaleProcess(join(dir, 'nats', 'nats-server.pid'), 'nats-server');
    await stopStaleProcess(join(dir, 'pg', 'data', 'postmaster.pid'), 'postgres');
    rmSync(dir, { recursive: true, force: true });
    cleaned++;
  }
  return cleaned;
}
