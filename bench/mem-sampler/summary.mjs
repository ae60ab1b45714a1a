// Prints the peaks bench/mem-sampler/sampler.mjs wrote, one row per process, highest RSS first.
//   node bench/mem-sampler/summary.mjs [KEELSON_MEM_SAMPLE_DIR]
import { readdirSync, readFileSync } from 'node:fs';

const dir = process.argv[2] ?? process.env.KEELSON_MEM_SAMPLE_DIR ?? '/tmp/keelson-mem';
const rows = readdirSync(dir)
  .filter((f) => f.endsWith('.peak.json'))
  .map((f) => ({ process: f.replace(/\.peak\.json$/, ''), ...JSON.parse(readFileSync(`${dir}/${f}`, 'utf8')) }))
  .sort((a, b) => b.rss - a.rss);

const columns = [
  'process',
  'rss',
  'new',
  'old',
  'large_object',
  'code',
  'arrayBuffers',
  'glibcMainArena',
  'otherAnon',
  'fileBacked',
  'fds',
  't',
];
const cell = (r, c) => {
  const space = r.spaces?.[c];
  if (space) return `${space[0]}/${space[1]}`; // size / used, MiB
  return String(r[c] ?? '');
};
console.log(`| ${columns.join(' | ')} |`);
console.log(`|${columns.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${columns.map((c) => cell(r, c)).join(' | ')} |`);
