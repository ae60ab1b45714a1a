// Summarises V8 sampling heap profiles (`.heapprofile`, as written by `node --heap-prof` or the
// rollout-fanout bench's `--heap-prof DIR`): the bytes each function, file and package allocated
// (self: the frame that allocated; inclusive: anywhere on the stack), per profile.
//
//   node bench/dist/heapprofile-summary/main.js DIR-or-FILE… [--top 15] [--per N] [--match NAME=REGEX]…
//
// `--per N` also gives every figure divided by N (e.g. the devices of a rollout: bytes per update).
// `--match` adds the bytes with a frame matching REGEX (tested against `function file:line`)
// anywhere on the stack: one suspicion's whole allocation, callees included.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { fileOf, packageOf } from '../cpuprofile-summary/where.js';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: {
    top: { type: 'string', default: '15' },
    per: { type: 'string', default: '1' },
    match: { type: 'string', multiple: true, default: [] },
  },
  allowPositionals: true,
});
const top = Number(values.top);
const per = Number(values.per);
if (!Number.isInteger(top) || top < 1) throw new Error(`--top must be a positive integer, got '${values.top}'`);
if (!(per > 0)) throw new Error(`--per must be a positive number, got '${values.per}'`);
if (positionals.length === 0) throw new Error('usage: main.js DIR-or-FILE… [--top 15] [--per N] [--match NAME=REGEX]…');
const patterns = values.match.map((m) => {
  const eq = m.indexOf('=');
  if (eq < 1) throw new Error(`--match wants NAME=REGEX, got '${m}'`);
  return { name: m.slice(0, eq), re: new RegExp(m.slice(eq + 1)) };
});

const frameKey = (n: HeapNode) => {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || '(anonymous)'} ${fileOf(url)}:${lineNumber + 1}`;
};
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

function summarise(head: HeapNode) {
  const self = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const matches = new Map<string, number>(patterns.map((p) => [p.name, 0]));
  let total = 0;
  const walk = (node: HeapNode, stack: string[]) => {
    const key = frameKey(node);
    const here = [...stack, key];
    if (node.selfSize > 0) {
      total += node.selfSize;
      add(self, key, node.selfSize);
      add(byPackage, packageOf(node.callFrame.url), node.selfSize);
      for (const k of new Set(here)) add(inclusive, k, node.selfSize);
      for (const p of patterns) if (here.some((k) => p.re.test(k))) add(matches, p.name, node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(head, []);
  return { total, self, byPackage, inclusive, matches };
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1).padStart(8)} MiB`;
const perUpdate = (bytes: number) => (per === 1 ? '' : `${(bytes / per / 1024).toFixed(1).padStart(8)} KiB/${per === 1 ? '' : 'each'}`);
const rows = (title: string, m: Map<string, number>, total: number, limit = top) => [
  `  ${title}`,
  ...[...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([k, v]) => `    ${((100 * v) / Math.max(1, total)).toFixed(1).padStart(5)} % ${mib(v)} ${perUpdate(v)}  ${k}`),
];

const profilesUnder = (path: string): string[] =>
  statSync(path).isDirectory()
    ? readdirSync(path, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.heapprofile'))
        .sort()
        .map((f) => join(path, f))
    : [path];

for (const root of positionals) {
  for (const file of profilesUnder(root)) {
    const s = summarise((JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode }).head);
    const lines = [
      `${relative(root, file) || file}: ${mib(s.total)} sampled${per === 1 ? '' : `, ${perUpdate(s.total)} of ${per}`}`,
      ...rows('allocated by function (self)', s.self, s.total),
      ...rows('allocated by package (self)', s.byPackage, s.total),
      ...rows('allocated under function (inclusive)', s.inclusive, s.total, top * 2),
      ...(patterns.length ? rows('--match (inclusive)', s.matches, s.total, patterns.length) : []),
      '',
    ];
    console.log(lines.join('\n'));
  }
}
