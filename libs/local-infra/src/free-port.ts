import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// Ports are picked below the kernel's ephemeral range: a port the kernel handed out for `listen(0)`
// and we then released is, for the kernel, free to hand out again as the source port of any outgoing
// connection — and a busy suite or bench opens thousands of them, so the server that later binds it
// fails with EADDRINUSE. Below the ephemeral range only another listener can take a port.
const LOWEST = 10_000;
const ATTEMPTS = 200;

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
 * Racy only against other listeners (callers bind soon after); never against outgoing connections.
 */
export async function freePortBlock(count: number, host = '127.0.0.1'): Promise<number> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`freePortBlock: count must be a positive integer, got ${count}`);
  const highest = ephemeralRangeStart() - count;
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const base = LOWEST + Math.floor(Math.random() * (highest - LOWEST));
    let free = true;
    for (let port = base; free && port < base + count; port += 1) free = await canListen(port, host);
    if (free) return base;
  }
  throw new Error(`no block of ${count} free ports between ${LOWEST} and ${highest + count} after ${ATTEMPTS} tries`);
}

/** A free loopback TCP port below the ephemeral range (see above). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return freePortBlock(1, host);
}
