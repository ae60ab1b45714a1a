// Reads a Go CPU profile (pprof's gzipped protobuf, as nats-server's `/debug/pprof/profile` serves it)
// into rankings: where the process spent its CPU, by function and by Go package.
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

export type Ranking = { key: string; ms: number }[];

export interface GoProfileSummary {
  /** CPU sampled over the profile's duration, in ms (all goroutines, all cores). */
  cpuMs: number;
  durationMs: number;
  selfByFunction: Ranking;
  selfByPackage: Ranking;
  inclusiveByFunction: Ranking;
  /** Per `--match` name: CPU of samples with a function matching its pattern anywhere on the stack. */
  matches: Record<string, number>;
}

const num = (v: number | bigint | undefined): number => Number(v ?? 0);

/** `github.com/nats-io/nats-server/v2/server.(*client).processMsg` → `nats-server/v2/server`; `runtime.mallocgc` → `runtime`. */
export function goPackageOf(fn: string): string {
  const slash = fn.lastIndexOf('/');
  const dot = fn.indexOf('.', slash + 1);
  const pkg = dot < 0 ? fn : fn.slice(0, dot);
  return pkg.replace(/^github\.com\/[^/]+\//, '');
}

function ranked(m: Map<string, number>): Ranking {
  return [...m.entries()].map(([key, ms]) => ({ key, ms })).sort((a, b) => b.ms - a.ms);
}

export function summariseGoProfile(gzipped: Uint8Array, patterns: Record<string, RegExp> = {}): GoProfileSummary {
  const p = Profile.decode(gunzipSync(gzipped));
  const str = (i: number | bigint | undefined) => p.stringTable.strings[num(i)] ?? '?';
  const cpuIndex = p.sampleType.findIndex((t) => str(t.type) === 'cpu');
  if (cpuIndex < 0) throw new Error(`not a CPU profile: sample types ${p.sampleType.map((t) => str(t.type)).join(', ')}`);
  const fnName = new Map(p.function.map((f) => [num(f.id), str(f.name)]));
  // A location lists its inlined frames innermost first: each is a function on the stack.
  const frames = new Map(p.location.map((l) => [num(l.id), l.line.map((line) => fnName.get(num(line.functionId)) ?? '?')]));
  const self = new Map<string, number>();
  const selfPkg = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const matches: Record<string, number> = Object.fromEntries(Object.keys(patterns).map((n) => [n, 0]));
  let cpuNs = 0;
  for (const s of p.sample) {
    const ns = num(s.value[cpuIndex]);
    cpuNs += ns;
    const stack = s.locationId.flatMap((id) => frames.get(num(id)) ?? ['?']);
    const leaf = stack[0] ?? '?';
    self.set(leaf, (self.get(leaf) ?? 0) + ns);
    selfPkg.set(goPackageOf(leaf), (selfPkg.get(goPackageOf(leaf)) ?? 0) + ns);
    for (const fn of new Set(stack)) inclusive.set(fn, (inclusive.get(fn) ?? 0) + ns);
    for (const [name, re] of Object.entries(patterns)) if (stack.some((fn) => re.test(fn))) matches[name]! += ns;
  }
  const toMs = (m: Map<string, number>) => new Map([...m].map(([k, ns]) => [k, ns / 1e6]));
  return {
    cpuMs: cpuNs / 1e6,
    durationMs: num(p.durationNanos) / 1e6,
    selfByFunction: ranked(toMs(self)),
    selfByPackage: ranked(toMs(selfPkg)),
    inclusiveByFunction: ranked(toMs(inclusive)),
    matches: Object.fromEntries(Object.entries(matches).map(([n, ns]) => [n, ns / 1e6])),
  };
}
