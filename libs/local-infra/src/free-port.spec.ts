import { createServer, type Server } from 'node:net';
import { ephemeralRangeStart, freePort, freePortBlock, pickRange } from './free-port.js';

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('freePort', () => {
  it('picks ports below the ephemeral range, where an outgoing connection cannot take them', async () => {
    const start = ephemeralRangeStart();
    for (let i = 0; i < 20; i += 1) {
      const port = await freePort();
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(start);
    }
  });

  it('returns a port that can be bound at once', async () => {
    const server = await listen(await freePort());
    await close(server);
  });

  it('never returns a port a listener holds', async () => {
    const held = await Promise.all(Array.from({ length: 5 }, async () => listen(await freePort())));
    const heldPorts = new Set(held.map((server) => (server.address() as { port: number }).port));
    for (let i = 0; i < 50; i += 1) expect(heldPorts.has(await freePort())).toBe(false);
    await Promise.all(held.map(close));
  });
});

describe('freePort within one process', () => {
  it('never hands out a port twice, though nothing binds the ports in between', async () => {
    const ports = await Promise.all(Array.from({ length: 1000 }, () => freePort()));
    expect(new Set(ports).size).toBe(1000);
  });

  it('gives each Jest worker a slice of the range of its own, and the whole range outside Jest', () => {
    const slices = ['1', '2', '3', '8'].map(pickRange);
    for (const [i, a] of slices.entries()) {
      expect(a.low).toBeGreaterThanOrEqual(10_000);
      expect(a.high).toBeLessThanOrEqual(ephemeralRangeStart());
      for (const b of slices.slice(i + 1)) expect(a.high <= b.low || b.high <= a.low).toBe(true);
    }
    expect(pickRange(undefined)).toEqual({ low: 10_000, high: ephemeralRangeStart() });
    expect(pickRange('9')).toEqual(pickRange('1'));
  });
});

describe('freePortBlock', () => {
  it('returns the first of N consecutive ports, every one of them bindable', async () => {
    const base = await freePortBlock(10);
    expect(base + 9).toBeLessThan(ephemeralRangeStart());
    const servers = await Promise.all(Array.from({ length: 10 }, (_, i) => listen(base + i)));
    await Promise.all(servers.map(close));
  });

  it('refuses a count that is not a positive integer', async () => {
    await expect(freePortBlock(0)).rejects.toThrow(/positive integer/);
    await expect(freePortBlock(1.5)).rejects.toThrow(/positive integer/);
  });
});
