// Profiles nats-server's CPU (Go's pprof, from the `prof_port` the bench's nats-server.conf names) for a
// number of seconds, or reads a profile saved before, and prints where the time went.
//
//   node bench/dist/go-profile/main.js --url http://127.0.0.1:PORT --seconds 30 [--out FILE.pb.gz] [--top 15] [--match NAME=REGEX]…
//   node bench/dist/go-profile/main.js --file FILE.pb.gz [--top 15] [--match NAME=REGEX]…
//
// `--match` adds the CPU of samples with a function matching REGEX anywhere on the stack, e.g.
// `--match mqtt='mqtt'` or `--match jsAck='processAckMsg|ackMsg'`.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { summariseGoProfile, type Ranking } from './pprof.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    url: { type: 'string' },
    seconds: { type: 'string', default: '30' },
    out: { type: 'string' },
    file: { type: 'string' },
    top: { type: 'string', default: '15' },
    match: { type: 'string', multiple: true, default: [] },
  },
});
const top = Number(values.top);
const seconds = Number(values.seconds);
if (!Number.isInteger(top) || top < 1) throw new Error(`--top must be a positive integer, got '${values.top}'`);
if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) throw new Error(`--seconds must be 1–600, got '${values.seconds}'`);
if (!values.url === !values.file)
  throw new Error('usage: main.js --url http://127.0.0.1:PORT [--seconds 30] [--out FILE] | --file FILE  [--top 15] [--match NAME=REGEX]…');
const patterns = Object.fromEntries(
  values.match.map((m) => {
    const eq = m.indexOf('=');
    if (eq < 1) throw new Error(`--match wants NAME=REGEX, got '${m}'`);
    return [m.slice(0, eq), new RegExp(m.slice(eq + 1))];
  }),
);

async function fetchProfile(url: string): Promise<Uint8Array> {
  const res = await fetch(`${url.replace(/\/$/, '')}/debug/pprof/profile?seconds=${seconds}`);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return new Uint8Array(await res.arrayBuffer());
}

const bytes = values.file ? readFileSync(values.file) : await fetchProfile(values.url!);
if (values.out) writeFileSync(values.out, bytes);
const s = summariseGoProfile(bytes, patterns);
const pct = (ms: number) => `${((100 * ms) / Math.max(1e-9, s.cpuMs)).toFixed(1).padStart(5)} %`;
const table = (title: string, rows: Ranking) => [
  `  ${title}`,
  ...rows.slice(0, top).map((r) => `    ${pct(r.ms)} ${r.ms.toFixed(0).padStart(7)} ms  ${r.key}`),
];
console.log(
  [
    `${(s.cpuMs / 1000).toFixed(2)} CPU-s sampled over ${(s.durationMs / 1000).toFixed(1)} s (${(s.cpuMs / Math.max(1, s.durationMs)).toFixed(2)} cores); percentages are of the CPU sampled`,
    ...table('self time by function', s.selfByFunction),
    ...table('self time by package', s.selfByPackage),
    ...table('inclusive time by function (callees included)', s.inclusiveByFunction),
    ...(Object.keys(s.matches).length
      ? [
          '  --match (callees included)',
          ...Object.entries(s.matches).map(([n, ms]) => `    ${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${n}`),
        ]
      : []),
  ].join('\n'),
);
