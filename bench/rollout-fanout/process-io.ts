import { readFileSync } from 'node:fs';
import { childPids } from './process-cpu.js';
import type { WatchedProcess } from './resources.js';

/** System calls that read and that wrote (sockets, pipes and files alike) a process has made so far. */
export interface Syscalls {
  reads: number;
  writes: number;
}

/** From `/proc/<pid>/io` (`syscr`, `syscw`), or undefined once the process is gone or unreadable. */
export function syscallsOf(pid: number | 'self'): Syscalls | undefined {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1]);
    const reads = field('syscr');
    const writes = field('syscw');
    return Number.isFinite(reads) && Number.isFinite(writes) ? { reads, writes } : undefined;
  } catch {
    return undefined;
  }
}

/** Syscalls so far, per watched process name, per pid (PostgreSQL backends come and go). */
export type SyscallSnapshot = Map<string, Map<number | 'self', Syscalls>>;

export function syscallSnapshot(processes: WatchedProcess[]): SyscallSnapshot {
  return new Map(
    processes.map((p) => {
      const pids: (number | 'self')[] = p.pid === undefined ? ['self'] : p.tree ? [p.pid, ...childPids(p.pid)] : [p.pid];
      return [
        p.name,
        new Map(
          pids.flatMap((pid) => {
            const s = syscallsOf(pid);
            return s ? [[pid, s] as const] : [];
          }),
        ),
      ];
    }),
  );
}

/**
 * Read and write syscalls each process made between two snapshots: how often it touched a socket
 * (or a file). A pid born in between counts whole, one that died is lost, as for CPU.
 */
export function syscallsBetween(before: SyscallSnapshot, after: SyscallSnapshot): ({ name: string } & Syscalls)[] {
  return [...after].map(([name, pids]) => {
    let reads = 0;
    let writes = 0;
    for (const [pid, s] of pids) {
      const b = before.get(name)?.get(pid);
      reads += s.reads - (b?.reads ?? 0);
      writes += s.writes - (b?.writes ?? 0);
    }
    return { name, reads, writes };
  });
}
