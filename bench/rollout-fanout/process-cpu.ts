import { readdirSync, readFileSync } from 'node:fs';

// Linux exposes utime and stime in clock ticks; USER_HZ is 100 on every mainstream kernel build.
const ticksPerSecond = 100;

/** CPU seconds (user + system) a live process has used so far, or undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/**
 * Pids whose parent is `parent` (PostgreSQL backends under the postmaster). The kernel lists a
 * thread's children in one file; the postmaster is single-threaded, so its main thread's list is
 * all of them. Reading it once a second costs one read, where scanning every `/proc/<pid>/stat`
 * cost ~7 ms a sample (~0.2 CPU-ms per update of a 1,000-device run, counted to the simulated
 * fleet). Without that file (a kernel built without it), the scan.
 */
export function childPids(parent: number): number[] {
  try {
    return readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return scanChildPids(parent);
  }
}

function scanChildPids(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) out.push(Number(entry));
    } catch {
      // exited between readdir and read: not ours to count
    }
  }
  return out;
}

/** The postmaster's pid from its data directory. */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}
