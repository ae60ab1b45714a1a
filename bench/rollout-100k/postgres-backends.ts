import { readFileSync } from 'node:fs';
import { childPids, cpuSeconds, postmasterPid } from '../rollout-fanout/process-cpu.js';

/**
 * What each PostgreSQL process is, from its title: a backend's database (`postgres: user database
 * host(port) state` names the service whose connection it serves) or the auxiliary process
 * (`autovacuum worker`, `checkpointer`, `walwriter`...). Its state word is dropped: it changes.
 */
function roleOf(pid: number): string | undefined {
  try {
    const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    const words = title.replace(/^postgres:\s*/, '').split(/\s+/);
    if (words[2]?.includes('(') || words[2]?.startsWith('[local]')) return words[1]; // user database host(port) state
    return words.slice(0, 2).join(' ');
  } catch {
    return undefined;
  }
}

type Snapshot = Map<number, { role: string; seconds: number }>;

function snapshot(postmaster: number): Snapshot {
  const out: Snapshot = new Map();
  for (const pid of childPids(postmaster)) {
    const role = roleOf(pid);
    const seconds = cpuSeconds(pid);
    if (role !== undefined && seconds !== undefined) out.set(pid, { role, seconds });
  }
  return out;
}

/**
 * PostgreSQL's CPU over a window split by what it served: per service database and per auxiliary
 * process. A backend born in the window counts whole, one that ended in it is lost (as in
 * `cpuBetween`); the services' pools keep theirs open, so over a create that is little.
 */
export function postgresCpuByRole(dataDir: string): { stop(): { role: string; ms: number }[] } {
  const postmaster = postmasterPid(dataDir);
  const before = postmaster === undefined ? new Map() : snapshot(postmaster);
  return {
    stop() {
      if (postmaster === undefined) return [];
      const byRole = new Map<string, number>();
      for (const [pid, { role, seconds }] of snapshot(postmaster)) {
        byRole.set(role, (byRole.get(role) ?? 0) + seconds - (before.get(pid)?.seconds ?? 0));
      }
      return [...byRole]
        .map(([role, s]) => ({ role, ms: Math.round(s * 1000) }))
        .filter((r) => r.ms >= 5)
        .sort((a, b) => b.ms - a.ms);
    },
  };
}
