import { peakRssMiB } from './peak-rss.js';
import { cpuSeconds, postmasterPid, treeCpuSeconds } from './process-cpu.js';

/** A process whose CPU and memory the bench reports: a service, nats-server, PostgreSQL or the bench itself. */
export interface WatchedProcess {
  name: string;
  /** Undefined means this Node process (the simulated fleet and the bench's own polling). */
  pid?: number;
  /** PostgreSQL: count the backends too. */
  tree?: boolean;
}

export function processesOf(input: { services: Record<string, { pid: number } | undefined>; natsPid: number; postgresDataDir: string }): WatchedProcess[] {
  const out: WatchedProcess[] = Object.entries(input.services).flatMap(([name, s]) => (s ? [{ name, pid: s.pid }] : []));
  out.push({ name: 'nats-server', pid: input.natsPid });
  const pg = postmasterPid(input.postgresDataDir);
  if (pg !== undefined) out.push({ name: 'postgresql (all backends)', pid: pg, tree: true });
  out.push({ name: 'bench + simulated fleet', tree: false });
  return out;
}

export type CpuSnapshot = Map<string, number>;

export function cpuSnapshot(processes: WatchedProcess[]): CpuSnapshot {
  return new Map(processes.map((p) => {
    if (p.pid === undefined) {
      const u = process.cpuUsage();
      return [p.name, (u.user + u.system) / 1e6];
    }
    return [p.name, p.tree ? treeCpuSeconds(p.pid) : (cpuSeconds(p.pid) ?? 0)];
  }));
}

/** CPU seconds each process spent between two snapshots. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): { name: string; seconds: number }[] {
  return [...after.entries()].map(([name, s]) => ({ name, seconds: s - (before.get(name) ?? 0) })).sort((a, b) => b.seconds - a.seconds);
}

/** Peak RSS (VmHWM) in MiB; for PostgreSQL, the postmaster's own. */
export function peakRss(processes: WatchedProcess[]): { name: string; mib: number | undefined }[] {
  return processes.map((p) => ({ name: p.name, mib: p.pid === undefined ? Math.round(process.resourceUsage().maxRSS / 1024) : peakRssMiB(p.pid) }));
}
