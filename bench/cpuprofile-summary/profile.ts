import { packageOf, fileOf } from './where.js';

/** The parts of a V8 `.cpuprofile` (Chrome DevTools format) that the summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Milliseconds per key (a function, a file or a package), largest first. */
export type Ranking = { key: string; ms: number }[];

export interface ProfileSummary {
  /** Profile length, ms of wall time. */
  wallMs: number;
  /** Sampled time on the JS thread that was not `(idle)`: the main thread's CPU, GC and native calls included. */
  busyMs: number;
  selfByFunction: Ranking;
  selfByFile: Ranking;
  selfByPackage: Ranking;
  /** Time with the function anywhere on the stack (callees included, recursion counted once). */
  inclusiveByFunction: Ranking;
  /** For each named pattern: time with a frame matching it anywhere on the stack. */
  matches: Record<string, number>;
}

// V8's pseudo-frames: `(idle)` is time the thread waited; the others are real CPU without a JS caller.
const idle = '(idle)';
const rank = (m: Map<string, number>): Ranking => [...m].map(([key, ms]) => ({ key, ms })).sort((a, b) => b.ms - a.ms);
const add = <K>(m: Map<K, number>, key: K, ms: number) => m.set(key, (m.get(key) ?? 0) + ms);

function functionKey(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  return frame.url ? `${name} ${fileOf(frame.url)}:${frame.lineNumber + 1}` : name;
}

/** Self and inclusive time by function, file and package; `patterns` are matched against `name file:line`. */
export function summarise(profile: CpuProfile, patterns: Record<string, RegExp> = {}): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // A sample lasts until the next one (as DevTools counts it); the last one gets the mean interval.
  const selfMs = new Map<number, number>();
  const mean = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length) / 1000;
  profile.samples.forEach((id, i) => add(selfMs, id, i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1]! / 1000 : mean));
  const selfByFunction = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  const selfByPackage = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const matches = new Map<string, number>();
  let busyMs = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === idle) continue;
    busyMs += ms;
    add(selfByFunction, functionKey(node.callFrame), ms);
    add(selfByFile, fileOf(node.callFrame.url), ms);
    add(selfByPackage, packageOf(node.callFrame.url), ms);
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) onStack.add(functionKey(byId.get(at)!.callFrame));
    onStack.delete('(root)');
    for (const key of onStack) add(inclusive, key, ms);
    for (const [name, re] of Object.entries(patterns)) if ([...onStack].some((k) => re.test(k))) add(matches, name, ms);
  }
  return {
    wallMs: (profile.endTime - profile.startTime) / 1000,
    busyMs,
    selfByFunction: rank(selfByFunction),
    selfByFile: rank(selfByFile),
    selfByPackage: rank(selfByPackage),
    inclusiveByFunction: rank(inclusive),
    matches: Object.fromEntries(Object.keys(patterns).map((n) => [n, matches.get(n) ?? 0])),
  };
}
