import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { WatchedProcess } from './resources.js';

/**
 * Open file descriptors of a live process (sockets included), or undefined once it is gone. Since
 * Linux 6.2 the size of `/proc/<pid>/fd` is that count: one stat, where listing the directory
 * made the kernel build an entry per descriptor (~10 ms a sample over the bench's ~2,400, the
 * facade's and nats-server's ~1,000 each at 1,000 devices, counted to the simulated fleet when
 * it runs in the bench's process). Older kernels report 0 there: then the listing.
 */
export function openFiles(pid: number): number | undefined {
  try {
    const { size } = statSync(`/proc/${pid}/fd`);
    return size > 0 ? size : readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** The soft limit on open files of a live process (`Max open files` in /proc/<pid>/limits). */
export function openFilesLimit(pid: number): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1];
    return line === undefined || line === 'unlimited' ? undefined : Number(line);
  } catch {
    return undefined;
  }
}

export interface OpenFilesPeak {
  peak: number;
  limit: number | undefined;
}

/**
 * Tracks the most file descriptors each watched process held at a sample, next to its soft limit:
 * a 10,000-device run holds ~10,000 MQTT connections in nats-server and as many HTTPS connections
 * in the facade and the fleet, and a process at its limit fails with EMFILE.
 */
export function openFilesTracker(processes: WatchedProcess[]): { sample(): void; peaks(): Record<string, OpenFilesPeak> } {
  const peaks: Record<string, OpenFilesPeak> = {};
  return {
    sample() {
      for (const p of processes) {
        if (p.tree) continue; // PostgreSQL: one backend per connection, each with its own few files
        const pid = p.pid ?? process.pid;
        const n = openFiles(pid);
        if (n === undefined) continue;
        const seen = (peaks[p.name] ??= { peak: 0, limit: openFilesLimit(pid) });
        seen.peak = Math.max(seen.peak, n);
      }
    },
    peaks: () => peaks,
  };
}
