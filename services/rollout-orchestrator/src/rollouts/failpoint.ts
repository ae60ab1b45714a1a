import { writeSync } from 'node:fs';

/**
 * The steps of a rollout a crash test can stop the orchestrator at: right after the gateway
 * answered an assignment (`assignment-answered`), and right after a device outcome was recorded,
 * with whatever that decision started (`outcome-recorded`); in both cases before the message that
 * led there is acknowledged. And right after a creation's events were appended, before its claims
 * transaction commits (`rollout-appended`).
 */
export const failpointNames = ['assignment-answered', 'outcome-recorded', 'rollout-appended'] as const;
export type FailpointName = (typeof failpointNames)[number];

/** Marks that the process passed `name`; a no-op unless `KEELSON_FAILPOINT` names it. */
export type Failpoint = (name: FailpointName) => void;

// Synchronous, so the line is out before the kill: a crash test reads it as the reason the process died.
const sayAndDie = (line: string): void => {
  try {
    writeSync(1, `${line}\n`);
  } finally {
    process.kill(process.pid, 'SIGKILL');
  }
};

/**
 * `KEELSON_FAILPOINT=<name>:<n>` (after etcd's gofail and TiKV's fail-rs): the process prints
 * `{"event":"failpoint",...}` and SIGKILLs itself the nth time it passes the named point, so a
 * crash test kills it at a chosen step instead of at a moment left to chance. Read once at start.
 * Unset (as in production) every point is a no-op; a value that names no point stops the start,
 * so a misspelt failpoint cannot leave a crash test waiting for a kill that never comes.
 */
export function failpointOf(env: NodeJS.ProcessEnv, service: string, die: (line: string) => void = sayAndDie): Failpoint {
  const spec = env.KEELSON_FAILPOINT;
  if (spec === undefined || spec === '') return () => undefined;
  const match = /^([a-z-]+):([1-9][0-9]{0,5})$/.exec(spec);
  const name = match?.[1] as FailpointName | undefined;
  if (!match || !name || !failpointNames.includes(name)) {
    throw new Error(`${service}: KEELSON_FAILPOINT must be <name>:<count> with a name of ${failpointNames.join(', ')}, got '${spec}'`);
  }
  const at = Number(match[2]);
  let passed = 0;
  return (point) => {
    if (point !== name || ++passed !== at) return;
    die(JSON.stringify({ event: 'failpoint', service, failpoint: spec }));
  };
}
