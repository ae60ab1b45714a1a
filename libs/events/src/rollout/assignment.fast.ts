import { inOrder, isToken, strictFields, type Fields } from '../kit/fast-path.js';

// The rules of `Assignment`, `ArtifactRef` and the exec and file `Probe`s (assignment.ts, probe.ts,
// kit/tokens.ts), by hand, for the agent's read of its desired state (see `kit/fast-path.ts`). An http
// probe (its URL check) is left to zod.
/** The most assignments one desired state may hold (re-exported by assignment.ts); here so the agent reads it without zod. */
export const maxAssignments = 100;

const artifactName = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const semverLike = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;
const sha256Hex = /^[0-9a-f]{64}$/;
const targetPath = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9._+-]+(?:\/[A-Za-z0-9._+-]+)*$/;
const absolutePath = /^(?!.*\/\.{1,2}(?:\/|$))(?:\/[^/\0]+)+$/;
const kinds: ReadonlySet<unknown> = new Set(['model', 'container', 'config']);
const actions: ReadonlySet<unknown> = new Set(['install', 'revert']);

const assignmentKeys = ['assignmentId', 'rolloutId', 'artifact', 'probe', 'action'];
const assignmentKeySet: ReadonlySet<string> = new Set(assignmentKeys);
const artifactKeys = ['name', 'version', 'kind', 'targetPath', 'sha256', 'length'];
const artifactKeySet: ReadonlySet<string> = new Set(artifactKeys);
const fileProbeKeys = ['kind', 'path', 'timeoutSeconds', 'attempts', 'initialDelaySeconds'];
const fileProbeKeySet: ReadonlySet<string> = new Set(fileProbeKeys);
const execProbeKeys = ['kind', 'path', 'args', 'timeoutSeconds', 'attempts', 'initialDelaySeconds'];
const execProbeKeySet: ReadonlySet<string> = new Set(execProbeKeys);

const isIntIn = (v: unknown, min: number, max: number): boolean => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
const matches = (v: unknown, rule: RegExp, maxLength = Infinity): v is string =>
  typeof v === 'string' && v.length <= maxLength && rule.test(v);

function artifactOf(raw: unknown): Fields | undefined {
  const a = strictFields(raw, artifactKeySet);
  if (!a || !matches(a['name'], artifactName) || !matches(a['version'], semverLike) || !kinds.has(a['kind'])) return undefined;
  if (!matches(a['targetPath'], targetPath, 512) || !matches(a['sha256'], sha256Hex) || !isIntIn(a['length'], 0, Number.MAX_SAFE_INTEGER))
    return undefined;
  return inOrder(a, artifactKeys);
}

function probeOf(raw: unknown): Fields | undefined {
  const kind = (raw as Fields | null)?.['kind'];
  const p = kind === 'file' ? strictFields(raw, fileProbeKeySet) : kind === 'exec' ? strictFields(raw, execProbeKeySet) : undefined;
  if (!p || !matches(p['path'], absolutePath, 512) || !isIntIn(p['timeoutSeconds'], 1, 300) || !isIntIn(p['attempts'], 1, 10))
    return undefined;
  if ('initialDelaySeconds' in p && !isIntIn(p['initialDelaySeconds'], 0, 3600)) return undefined;
  const out = inOrder({ ...p, initialDelaySeconds: p['initialDelaySeconds'] ?? 0 }, kind === 'file' ? fileProbeKeys : execProbeKeys); // zod's default
  if ('args' in p) {
    const args = p['args'];
    if (!Array.isArray(args) || args.length > 16) return undefined;
    for (let i = 0; i < args.length; i++) if (typeof args[i] !== 'string' || (args[i] as string).length > 256) return undefined;
    out['args'] = [...(args as string[])];
  }
  return out;
}

/** `Assignment[]` (at most `max`) when sure it is valid, with the value zod would return, or undefined. */
export function assignmentsOf(raw: unknown, max: number): Fields[] | undefined {
  if (!Array.isArray(raw) || raw.length > max) return undefined;
  const out: Fields[] = [];
  for (const item of raw) {
    const a = strictFields(item, assignmentKeySet);
    if (!a || !isToken(a['assignmentId']) || !isToken(a['rolloutId']) || !actions.has(a['action'])) return undefined;
    const artifact = artifactOf(a['artifact']);
    const probe = artifact && probeOf(a['probe']);
    if (!probe) return undefined;
    out.push(inOrder({ ...a, artifact, probe }, assignmentKeys));
  }
  return out.length === raw.length ? out : undefined;
}
