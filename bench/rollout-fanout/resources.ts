import { peakRssMiB } from './peak-rss.js';
import { childPids, cpuSeconds, postmasterPid } from './process-cpu.js';

/** A process whose CPU and memory the bench reports: a service, nats-server, PostgreSQL or the bench itself. */
export interface WatchedProcess {
  name: string;
  /** Undefined means this Node process (the simulated fleet and the bench's own polling). */
  pid?: number;
  /** PostgreSQL: count the backends too. */
  tree?: boolean;
}

/** Names of the simulated fleet's child processes (`--fleet-procs`) in the report: `fleet-1` … */
export const fleetProcessPrefix = 'fleet-';

export function processesOf(input: {
  services: Record<string, { pid: number } | undefined>;
  natsPid: number;
  postgresDataDir: string;
  /** The simulated fleet's child processes, if it runs in any (else it is in the bench process). */
  fleetProcesses?: { name: string; pid: number }[];
}): WatchedProcess[] {
  const out: WatchedProcess[] = Object.entries(input.services).flatMap(([name, s]) => (s ? [{ name, pid: s.pid }] : []));
  out.push({ name: 'nats-server', pid: input.natsPid });
  const pg = postmasterPid(input.postgresDataDir);
  if (pg !== undefined) out.push({ name: 'postgresql (all backends)', pid: pg, tree: true });
  const fleet = input.fleetProcesses ?? [];
  out.push({ name: fleet.length ? 'bench (no devices)' : 'bench + simulated fleet', tree: false });
  for (const p of fleet) out.push({ name: p.name, pid: p.pid });
  return out;
}

/** CPU seconds used so far, per watched process name, per pid (PostgreSQL backends come and go). */
export type CpuSnapshot = Map<string, Map<number, number>>;

export function cpuSnapshot(processes: WatchedProcess[]): CpuSnapshot {
  return new Map(
    processes.map((p) => {
      if (p.pid === undefined) {
        const u = process.cpuUsage();
        return [p.name, new Map([[process.pid, (u.user + u.system) / 1e6]])];
      }
      const pids = p.tree ? [p.pid, ...childPids(p.pid)] : [p.pid];
      return [p.name, new Map(pids.map((pid) => [pid, cpuSeconds(pid) ?? 0]))];
    }),
  );
}

/** CPU seconds `name` used between two snapshots; a pid born in between counts whole, one that died is lost. */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot, name: string): number {
  let sum = 0;
  for (const [pid, s] of after.get(name) ?? []) sum += s - (before.get(name)?.get(pid) ?? 0);
  return sum;
}

/** CPU seconds each process spent between two snapshots, busiest first. */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): { name: string; seconds: number }[] {
  return [...after.keys()].map((name) => ({ name, seconds: cpuDelta(before, after, name) })).sort((a, b) => b.seconds - a.seconds);
}

/** Peak RSS (VmHWM) in MiB; for PostgreSQL, the postmaster's own. */
export function peakRss(processes: WatchedProcess[]): { name: string; mib: number | undefined }[] {
  return processes.map((p) => ({
    name: p.name,
    mib: p.pid === undefined ? Math.round(process.resourceUsage().maxRSS / 1024) : peakRssMiB(p.pid),
  }));
}
