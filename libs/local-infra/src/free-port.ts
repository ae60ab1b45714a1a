import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { claimPort, releasePort } from './port-claims.js';

// Ports are picked below the kernel's ephemeral range: a port the kernel handed out for `listen(0)`
// and we then released is, for the kernel, free to hand out again as the source port of any outgoing
// connection — and a busy suite or bench opens thousands of them, so the server that later binds it
// fails with EADDRINUSE. Below the ephemeral range only another listener can take a port.
const LOWEST = 10_000;
const ATTEMPTS = 200;
// Ports are handed out before anything binds them (a platform picks all its ports, then starts its
// processes): without this, two picks of one process could land on the same port, and both pass the
// listen check. A port is handed out once per process, and claimed across processes (port-claims.ts).
const handedOut = new Set<number>();
// Jest's workers pick at the same time: each gets a slice of the range of its own, so two workers
// never pick the same port either. Outside Jest the whole range is used.
const SLICES = 8;

/** The first port of the kernel's ephemeral range (`ip_local_port_range`), 32768 where unreadable. */
export function ephemeralRangeStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST + 1_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A block of `count` consecutive loopback TCP ports that are free now, below the ephemeral range.
 * Racy only against listeners that are not ours (callers bind soon after); never against outgoing connections
 * nor against another Keelson process on this machine picking at the same time.
 */
export async function freePortBlock(count: number, host = '127.0.0.1'): Promise<number> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`freePortBlock: count must be a positive integer, got ${count}`);
  const { low, high } = pickRange(process.env.JEST_WORKER_ID);
  const highest = high - count;
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const base = low + Math.floor(Math.random() * (highest - low));
    const block = Array.from({ length: count }, (_, i) => base + i);
    if (block.some((port) => handedOut.has(port))) continue;
    for (const port of block) handedOut.add(port); // before the checks: a concurrent pick skips them
    const claimed: number[] = [];
    for (const port of block) if (claimPort(port)) claimed.push(port);
    let free = claimed.length === count; // another process on this machine handed one out
    for (let i = 0; free && i < count; i += 1) free = await canListen(block[i]!, host);
    if (free) return base;
    for (const port of claimed) releasePort(port);
    for (const port of block) handedOut.delete(port);
  }
  throw new Error(`no block of ${count} free ports between ${low} and ${high} after ${ATTEMPTS} tries`);
}

/** Where this process picks ports: its Jest worker's slice of the range below the ephemeral ports, or all of it. */
export function pickRange(jestWorkerId: string | undefined): { low: number; high: number } {
  const top = ephemeralRangeStart();
  const worker = Number(jestWorkerId);
  if (!Number.isInteger(worker) || worker < 1) return { low: LOWEST, high: top };
  const width = Math.floor((top - LOWEST) / SLICES);
  const low = LOWEST + ((worker - 1) % SLICES) * width;
  return { low, high: low + width };
}

/** A free loopback TCP port below the ephemeral range (see above). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return freePortBlock(1, host);
}
