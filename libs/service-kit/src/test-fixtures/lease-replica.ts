import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { testEnv } from '@keelson/testing';

/** One replica process of the lease kill specs (a fixture that prints one JSON line per thing it does). */
export interface Replica {
  child: ChildProcess;
  holder: string;
  /** Resolves once the replica printed a line that `matches`. */
  says(matches: (line: Record<string, unknown>) => boolean): Promise<void>;
}

export const tookLease = (l: Record<string, unknown>) => typeof l.log === 'string' && l.log.startsWith('took the lease');

/**
 * Starts `file` (run by Node from source, the libraries from their dist/) against the test NATS with
 * `env` on top, and resolves once it says it started. `LEASE_SPEC_TRACE=1` echoes its lines.
 */
export function startReplica(file: string, env: Record<string, string>): Promise<Replica> {
  const nats = testEnv();
  const child = spawn(process.execPath, [file], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, KEELSON_NATS_URL: nats.natsUrl, KEELSON_NATS_USER: nats.natsUser, KEELSON_NATS_PASSWORD: nats.natsPass, ...env },
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { matches: (l: Record<string, unknown>) => boolean; resolve: () => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    if (process.env.LEASE_SPEC_TRACE) process.stderr.write(`${child.pid} ${text}\n`);
    for (const w of waiters) if (w.matches(line)) w.resolve();
  });
  const says = (matches: (l: Record<string, unknown>) => boolean) =>
    lines.some(matches) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ matches, resolve }));
  return says((l) => typeof l.started === 'string').then(() => ({ child, holder: lines.find((l) => l.started)!.started as string, says }));
}
