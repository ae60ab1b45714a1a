import { readFileSync } from 'node:fs';
import { getText } from './service-metrics.js';
import type { WatchedProcess } from './resources.js';

/** One process's memory at one moment, in MiB: what the kernel counts and, where we can ask, what the runtime holds. */
export interface ProcessMemory {
  name: string;
  rss?: number;
  /** Node: V8's live-and-garbage heap (used) and what it reserved (total), and memory outside it (Buffers, TLS). */
  heapUsed?: number;
  heapTotal?: number;
  external?: number;
  /** Node: V8's young generation as reserved now (it grows under load up to twice `--max-semi-space-size`, and more). */
  newSpace?: number;
  /** nats-server (Go): bytes in live and not-yet-collected objects, heap spans in use, and everything it took from the OS. */
  goHeapAlloc?: number;
  goHeapInuse?: number;
  goSys?: number;
}

const mib = (bytes: number) => Math.round(bytes / (1024 * 1024));

function currentRssMiB(pid: number): number | undefined {
  try {
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? undefined : Math.round(Number(kib) / 1024);
  } catch {
    return undefined;
  }
}

/** A gauge of prom-client's default metrics (`nodejs_heap_size_used_bytes{service="x"} 123`) in MiB. */
function gauge(text: string, name: string, label = ''): number | undefined {
  const line = text.split('\n').find((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && l.includes(label));
  const value = line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
  return Number.isFinite(value) ? mib(value) : undefined;
}

/** `# HeapAlloc = 123` lines at the end of Go's `/debug/pprof/heap?debug=1` (runtime.MemStats). */
function memStat(text: string, name: string): number | undefined {
  const v = new RegExp(`^# ${name} = (\\d+)$`, 'm').exec(text)?.[1];
  return v === undefined ? undefined : mib(Number(v));
}

/**
 * Every watched process's memory now: RSS for all; heap used / total / external for the services
 * (their `/metrics`); Go's heap for nats-server when its profiling port is open. A figure that cannot
 * be read at this moment is left out.
 */
export async function memorySnapshot(input: {
  processes: WatchedProcess[];
  services: Record<string, { url: string } | undefined>;
  ca?: string;
  natsProfUrl?: string;
}): Promise<ProcessMemory[]> {
  const out: ProcessMemory[] = [];
  for (const p of input.processes) {
    if (p.tree || p.pid === undefined) continue; // PostgreSQL's backends and the bench are not the bars
    const m: ProcessMemory = { name: p.name };
    const rss = currentRssMiB(p.pid);
    if (rss !== undefined) m.rss = rss;
    const service = input.services[p.name];
    const text = await (
      service
        ? getText(`${service.url}/metrics`, input.ca)
        : p.name === 'nats-server' && input.natsProfUrl
          ? getText(`${input.natsProfUrl}/debug/pprof/heap?debug=1`, undefined)
          : Promise.resolve('')
    ).catch(() => '');
    const figures = service
      ? {
          heapUsed: gauge(text, 'nodejs_heap_size_used_bytes'),
          heapTotal: gauge(text, 'nodejs_heap_size_total_bytes'),
          external: gauge(text, 'nodejs_external_memory_bytes'),
          newSpace: gauge(text, 'nodejs_heap_space_size_total_bytes', 'space="new"'),
        }
      : { goHeapAlloc: memStat(text, 'HeapAlloc'), goHeapInuse: memStat(text, 'HeapInuse'), goSys: memStat(text, 'Sys') };
    for (const [k, v] of Object.entries(figures)) if (v !== undefined) (m as unknown as Record<string, number>)[k] = v;
    out.push(m);
  }
  return out;
}

/** One line per process: `rss 300 MiB, heap 120/180, external 40` (what was read). */
export function memoryLine(m: ProcessMemory): string {
  const parts = [`rss ${m.rss ?? '?'}`];
  if (m.heapUsed !== undefined)
    parts.push(`heap used/total ${m.heapUsed}/${m.heapTotal ?? '?'}`, `external ${m.external ?? '?'}`, `new space ${m.newSpace ?? '?'}`);
  if (m.goHeapAlloc !== undefined) parts.push(`go heap alloc/inuse ${m.goHeapAlloc}/${m.goHeapInuse ?? '?'}`, `go sys ${m.goSys ?? '?'}`);
  return `${parts.join(', ')} MiB`;
}
