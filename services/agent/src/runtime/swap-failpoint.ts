import { writeSync } from 'node:fs';

/**
 * The steps of a container swap a crash test can stop the agent at, in the order a swap passes them:
 * the new image pulled and verified (`loaded`), the old container stopped and kept (`old-stopped`),
 * the new one created and started (`new-started`), its probe begun (`probing`), the probe passed
 * and journalled (`committed`), and, on the way back, the new container removed before the kept
 * one is brought back (`restoring`: a rollback, or an undone swap after a crash).
 */
export const swapFailpointNames = ['loaded', 'old-stopped', 'new-started', 'probing', 'committed', 'restoring'] as const;
export type SwapFailpointName = (typeof swapFailpointNames)[number];

/** Marks that the swap passed `name`; a no-op unless `KEELSON_FAILPOINT` names it. */
export type SwapFailpoint = (name: SwapFailpointName) => void;

// Synchronous, so the line is out before the kill: a crash test reads it as the reason the agent died.
const sayAndDie = (line: string): void => {
  try {
    writeSync(1, `${line}\n`);
  } finally {
    process.kill(process.pid, 'SIGKILL');
  }
};

/**
 * `KEELSON_FAILPOINT=container-<name>:<n>`, as the orchestrator reads it: the agent prints
 * `{"event":"failpoint",...}` and SIGKILLs itself the nth time a swap passes the named step, so a
 * crash test stops a real agent process at a chosen step rather than at a moment left to chance.
 * Unset (as on every real device) it returns undefined and no step checks anything; a value that
 * names no step is refused at start, so a misspelt one cannot leave a test waiting for a kill.
 */
export function swapFailpointOf(env: NodeJS.ProcessEnv, die: (line: string) => void = sayAndDie): SwapFailpoint | undefined {
  const spec = env.KEELSON_FAILPOINT;
  if (spec === undefined || spec === '') return undefined;
  const match = /^container-([a-z-]+):([1-9][0-9]{0,5})$/.exec(spec);
  const name = match?.[1] as SwapFailpointName | undefined;
  if (!match || !name || !swapFailpointNames.includes(name)) {
    const names = swapFailpointNames.map((n) => `container-${n}`).join(', ');
    throw new Error(`keelson-agent: KEELSON_FAILPOINT must be <name>:<count> with a name of ${names}, got '${spec}'`);
  }
  const at = Number(match[2]);
  let passed = 0;
  return (point) => {
    if (point !== name || ++passed !== at) return;
    die(JSON.stringify({ event: 'failpoint', service: 'keelson-agent', failpoint: spec }));
  };
}
