// What holds a service's memory, sampled from inside it. A preload for bench/rollout-fanout:
//   --service-env "NODE_OPTIONS=--import $PWD/bench/mem-sampler/sampler.mjs"
// Every second (KEELSON_MEM_SAMPLE_MS) it splits the process's RSS into V8's spaces, ArrayBuffers,
// glibc's main arena (`[heap]`), other anonymous mappings (V8's pages, glibc's other arenas, thread
// stacks) and file-backed pages (the node binary: shared between processes, counted in each RSS),
// and counts open descriptors. It writes, in KEELSON_MEM_SAMPLE_DIR (default /tmp/keelson-mem):
//   <service>-<pid>.peak.json      the sample at the highest RSS so far (rewritten at most once a second)
//   <service>-<pid>.samples.jsonl  one sample every 5 s
// Each sample also carries the garbage collections so far ("gc": count and milliseconds of scavenges,
// full mark-compacts and the rest apart): what a heap setting costs, counted rather than read off a loaded CPU.
// bench/mem-sampler/summary.mjs prints the peaks as a table.
import { appendFileSync, closeSync, mkdirSync, openSync, readdirSync, readSync, writeFileSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

const dir = process.env.KEELSON_MEM_SAMPLE_DIR ?? '/tmp/keelson-mem';
const everyMs = Number(process.env.KEELSON_MEM_SAMPLE_MS ?? 1000);
const service = /services\/([^/]+)\//.exec(process.argv[1] ?? '')?.[1] ?? 'node';
const base = `${dir}/${service}-${process.pid}`;
const MiB = 1024 * 1024;
const mib = (bytes) => Math.round((bytes / MiB) * 10) / 10;

// /proc/self/smaps is ~0.5 MB of text (18,000 lines) in a service; read as a string and split every
// second it was the largest source of the service's old-generation garbage (bench/README.md, "What
// fills the old generations"). So it is read into one reused buffer and scanned byte by byte.
let smapsBuffer = Buffer.alloc(2 * MiB);
const isHexDigit = (b) => (b >= 48 && b <= 57) || (b >= 97 && b <= 102);
const startsWith = (at, text) => {
  for (let i = 0; i < text.length; i++) if (smapsBuffer[at + i] !== text.charCodeAt(i)) return false;
  return true;
};

function readSmaps() {
  for (;;) {
    const fd = openSync('/proc/self/smaps', 'r');
    let n = 0;
    try {
      for (let r = 1; r > 0 && n < smapsBuffer.length; n += r) r = readSync(fd, smapsBuffer, n, smapsBuffer.length - n);
    } finally {
      closeSync(fd);
    }
    if (n < smapsBuffer.length) return n;
    smapsBuffer = Buffer.alloc(smapsBuffer.length * 2); // it did not fit: read it again, whole
  }
}

/** Resident bytes of /proc/self/smaps summed as glibc's main arena, other anonymous, file-backed. */
function smaps() {
  const sums = { heap: 0, anon: 0, file: 0 };
  const n = readSmaps();
  let kind = 'anon';
  for (let start = 0; start < n;) {
    let end = smapsBuffer.indexOf(10, start);
    if (end < 0 || end > n) end = n;
    if (isHexDigit(smapsBuffer[start])) {
      // a mapping: address perms offset dev inode [path]; the path starts after the fifth field
      let i = start;
      for (let field = 0; field < 5; field++) {
        while (i < end && smapsBuffer[i] !== 32) i++;
        while (i < end && smapsBuffer[i] === 32) i++;
      }
      kind = i >= end ? 'anon' : smapsBuffer[i] === 47 ? 'file' : end - i === 6 && startsWith(i, '[heap]') ? 'heap' : 'anon';
    } else if (smapsBuffer[start] === 82 && startsWith(start, 'Rss:')) {
      let kB = 0;
      for (let i = start + 4; i < end; i++) {
        const b = smapsBuffer[i];
        if (b >= 48 && b <= 57) kB = kB * 10 + (b - 48);
        else if (kB > 0) break;
      }
      sums[kind] += kB * 1024;
    }
    start = end + 1;
  }
  return { glibcMainArena: mib(sums.heap), otherAnon: mib(sums.anon), fileBacked: mib(sums.file) };
}

const gc = { minor: [0, 0], major: [0, 0], other: [0, 0] }; // scavenges, mark-compacts, incremental marking and weak callbacks
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const k = e.detail?.kind;
    const kind = k === constants.NODE_PERFORMANCE_GC_MAJOR ? gc.major : k === constants.NODE_PERFORMANCE_GC_MINOR ? gc.minor : gc.other;
    kind[0] += 1;
    kind[1] += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

function sample() {
  const m = process.memoryUsage();
  const spaces = {};
  for (const s of getHeapSpaceStatistics()) spaces[s.space_name.replace(/_space$/, '')] = [mib(s.space_size), mib(s.space_used_size)];
  let fds = -1;
  try {
    fds = readdirSync('/proc/self/fd').length;
  } catch {
    // not Linux
  }
  return {
    t: new Date().toISOString(),
    rss: mib(m.rss),
    heapTotal: mib(m.heapTotal),
    heapUsed: mib(m.heapUsed),
    external: mib(m.external),
    arrayBuffers: mib(m.arrayBuffers),
    spaces,
    ...smaps(),
    fds,
    gc: Object.fromEntries(Object.entries(gc).map(([k, [n, ms]]) => [k, [n, Math.round(ms)]])),
  };
}

mkdirSync(dir, { recursive: true });
let peak = { rss: 0 };
let peakWritten = 0;
let lastLine = 0;
const timer = setInterval(() => {
  const s = sample();
  const now = Date.now();
  if (s.rss > peak.rss) peak = s;
  if (peak === s && now - peakWritten >= 1000) {
    writeFileSync(`${base}.peak.json`, JSON.stringify(peak));
    peakWritten = now;
  }
  if (now - lastLine >= 5000) {
    appendFileSync(`${base}.samples.jsonl`, `${JSON.stringify(s)}\n`);
    lastLine = now;
  }
}, everyMs);
timer.unref();
process.on('exit', () => {
  if (peak.rss) writeFileSync(`${base}.peak.json`, JSON.stringify(peak));
});
