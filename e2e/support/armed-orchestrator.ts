import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningService } from '@keelson/local-infra';
import type { TestPlatform } from './test-platform.js';

// The orchestrator armed with KEELSON_FAILPOINT (services/rollout-orchestrator/src/rollouts/failpoint.ts):
// it SIGKILLs itself at the named step, and its last log line says which. The crash specs
// (crash-recovery, chunked-wave-kill, create-claims-kill) arm it, act, and check it died there.

/** Resolves with the service's exit code once it exits (null: a signal ended it), or 'still running' after `ms`. */
export function exitWithin(service: RunningService, ms: number): Promise<number | null | 'still running'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('still running'), ms);
    void service.exited.then((code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** An orchestrator process started with a failpoint armed. */
export interface ArmedOrchestrator {
  readonly process: RunningService;
  /**
   * Asserts that the process dies by a signal within `ms`, not by exiting, and by the failpoint,
   * not by something else: the last line it logged names it.
   */
  killedByFailpoint(ms: number): Promise<void>;
}

/**
 * Stops the platform's orchestrator and starts it again with `env` (KEELSON_FAILPOINT, and what
 * else the case sets); only what the armed process logs counts for `killedByFailpoint`.
 */
export async function armOrchestrator(
  platform: TestPlatform,
  env: NodeJS.ProcessEnv & { KEELSON_FAILPOINT: string },
): Promise<ArmedOrchestrator> {
  await platform.services['rollout-orchestrator']!.stop();
  const logFile = join(platform.home, 'logs', 'rollout-orchestrator.log');
  const logFrom = statSync(logFile).size;
  const armed = await platform.restart('rollout-orchestrator', env);
  return {
    process: armed,
    async killedByFailpoint(ms) {
      expect(await exitWithin(armed, ms)).toBeNull(); // killed by a signal, not exited
      const lines = readFileSync(logFile).subarray(logFrom).toString('utf8').trim().split('\n');
      expect(lines.at(-1)).toBe(JSON.stringify({ event: 'failpoint', service: 'rollout-orchestrator', failpoint: env.KEELSON_FAILPOINT }));
    },
  };
}
