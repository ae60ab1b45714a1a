import { isAbsolute } from 'node:path';
import type { ArtifactKind } from '@keelson/events';
import { execOnce } from './exec-probe.js';
import { failedBecause, type ProbeResult } from './probe-result.js';

/** The kinds whose new version an application reloads in place; containers are restarted instead. */
const RELOADED: ReadonlySet<ArtifactKind> = new Set(['config', 'model']);

/** How long the hook may take before it is killed and counted as a failure. */
const HOOK_TIMEOUT_MS = 60_000;

/**
 * The agent's `--on-change CMD`: split on whitespace into a binary (an absolute path) and its
 * arguments, never given to a shell. Throws on a command that cannot be run as given, so the agent
 * refuses to start rather than fail at the first update.
 */
export function parseOnChange(command: string): readonly string[] {
  const argv = command.trim().split(/\s+/).filter(Boolean);
  if (argv.length === 0) throw new Error('--on-change needs a command');
  if (!isAbsolute(argv[0]!)) throw new Error(`--on-change needs an absolute path to its binary, got ${argv[0]}`);
  return argv;
}

/**
 * Runs the hook after a config or model version became active, before the probe: like an exec
 * probe, with the active file as its last argument and in `KEELSON_ARTIFACT_PATH`. A hook that
 * fails fails the update, which is then rolled back (and the hook runs again for the restored version
 * when the agent next activates it). Other kinds, or no hook, pass at once.
 */
export async function runOnChange(
  argv: readonly string[] | undefined,
  kind: ArtifactKind,
  activePath: string,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  if (!argv || !RELOADED.has(kind)) return { ok: true };
  const [path, ...args] = argv as [string, ...string[]];
  const result = await execOnce({ path, args, activePath, timeoutMs: HOOK_TIMEOUT_MS, ...(signal ? { signal } : {}) });
  return result.ok ? result : failedBecause(`on-change hook failed: ${result.reason}`);
}
