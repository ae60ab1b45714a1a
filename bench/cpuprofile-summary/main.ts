// Summarises V8 CPU profiles (`.cpuprofile`, as written by `node --cpu-prof` or the rollout-fanout
// bench's `--cpu-prof DIR`): where each process spent its CPU, by function, file and package.
//
//   node bench/dist/cpuprofile-summary/main.js DIR-or-FILE… [--top 10] [--match NAME=REGEX]… [--json]
//
// A directory is searched for `.cpuprofile` files. `--match` adds, per profile, the time with a
// frame matching REGEX (tested against `function file:line`) anywhere on the stack: a suspicion's
// whole cost, callees included, e.g. `--match tls='TLSSocket|onhandshake'`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { summarise, type ProfileSummary, type Ranking } from './profile.js';

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: {
    top: { type: 'string', default: '10' },
    match: { type: 'string', multiple: true, default: [] },
    json: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const top = Number(values.top);
if (!Number.isInteger(top) || top < 1) throw new Error(`--top must be a positive integer, got '${values.top}'`);
if (positionals.length === 0) throw new Error('usage: main.js DIR-or-FILE… [--top 10] [--match NAME=REGEX]… [--json]');
const patterns = Object.fromEntries(
  values.match.map((m) => {
    const eq = m.indexOf('=');
    if (eq < 1) throw new Error(`--match wants NAME=REGEX, got '${m}'`);
    return [m.slice(0, eq), new RegExp(m.slice(eq + 1))];
  }),
);

function profilesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .map((f) => join(path, f));
}

const pct = (ms: number, of: number) => `${((100 * ms) / Math.max(1e-9, of)).toFixed(1).padStart(5)} %`;
const table = (title: string, rows: Ranking, busyMs: number) => [
  `  ${title}`,
  ...rows.slice(0, top).map((r) => `    ${pct(r.ms, busyMs)} ${r.ms.toFixed(0).padStart(7)} ms  ${r.key}`),
];

function print(label: string, s: ProfileSummary): void {
  const lines = [
    `${label}: ${(s.busyMs / 1000).toFixed(2)} s busy of ${(s.wallMs / 1000).toFixed(2)} s (${pct(s.busyMs, s.wallMs)} of one core on the JS thread; percentages below are of busy time)`,
    ...table('self time by function', s.selfByFunction, s.busyMs),
    ...table('self time by package', s.selfByPackage, s.busyMs),
    ...table('self time by file', s.selfByFile, s.busyMs),
    ...table('inclusive time by function (callees included)', s.inclusiveByFunction, s.busyMs),
    ...(Object.keys(s.matches).length
      ? [
          '  --match (callees included)',
          ...Object.entries(s.matches).map(([n, ms]) => `    ${pct(ms, s.busyMs)} ${ms.toFixed(0).padStart(7)} ms  ${n}`),
        ]
      : []),
    '',
  ];
  console.log(lines.join('\n'));
}

const out: Record<string, ProfileSummary> = {};
for (const root of positionals) {
  for (const file of profilesUnder(root)) {
    const label = relative(root, file) || file;
    const summary = summarise(JSON.parse(readFileSync(file, 'utf8')) as Parameters<typeof summarise>[0], patterns);
    if (values.json)
      out[label] = {
        ...summary,
        ...Object.fromEntries(
          (['selfByFunction', 'selfByFile', 'selfByPackage', 'inclusiveByFunction'] as const).map((k) => [k, summary[k].slice(0, top)]),
        ),
      };
    else print(label, summary);
  }
}
if (values.json) console.log(JSON.stringify(out, null, 2));
