import { createServer, request, type Server } from 'node:http';
import { freePort } from '../free-port.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

async function serve(name: string): Promise<{ server: Server; port: number }> {
  const port = await freePort();
  const server = createServer((_req, res) => res.end(name));
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
const get = async (port: number) => (await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } })).text();

describe('startTcpProxy', () => {
  let proxy: TcpProxy | undefined;
  afterEach(async () => proxy?.close());

  it('hands connections to each replica in turn', async () => {
    const [a, b] = [await serve('a'), await serve('b')];
    proxy = await startTcpProxy('127.0.0.1', await freePort(), [a.port, b.port]);
    const answers = [await get(proxy.port), await get(proxy.port), await get(proxy.port), await get(proxy.port)];
    expect(answers.sort()).toEqual(['a', 'a', 'b', 'b']);
    await Promise.all([close(a.server), close(b.server)]);
  });

  it('skips a replica that is down and reaches the one alive', async () => {
    const [a, b] = [await serve('a'), await serve('b')];
    await close(a.server);
    proxy = await startTcpProxy('127.0.0.1', await freePort(), [a.port, b.port]);
    expect([await get(proxy.port), await get(proxy.port), await get(proxy.port)]).toEqual(['b', 'b', 'b']);
    await close(b.server);
  });

  it('drops the client when no replica answers', async () => {
    proxy = await startTcpProxy('127.0.0.1', await freePort(), [await freePort(), await freePort()]);
    await expect(get(proxy.port)).rejects.toThrow();
  });

  it('refuses to start without a backend', async () => {
    await expect(startTcpProxy('127.0.0.1', await freePort(), [])).rejects.toThrow(/at least one backend/);
  });

  describe('as a bad network (interrupt)', () => {
    const body = Buffer.alloc(500_000, 1);
    let big: { server: Server; port: number };
    beforeEach(async () => {
      const port = await freePort();
      const server = createServer((_req, res) => res.end(body));
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      big = { server, port };
    });
    afterEach(() => close(big.server));
    const received = (port: number) =>
      new Promise<{ bytes: number; error?: string }>((resolve) => {
        let bytes = 0;
        request(`http://127.0.0.1:${port}/`, (res) => {
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('end', () => resolve({ bytes }));
          res.on('error', (err) => resolve({ bytes, error: err.message }));
        })
          .on('error', (err) => resolve({ bytes, error: err.message }))
          .end();
      });

    it('drops the next connections at the byte count, then passes the rest whole; it counts what it passed', async () => {
      proxy = await startTcpProxy('127.0.0.1', await freePort(), [big.port], { interrupt: { afterBytes: 200_000, times: 1, how: 'drop' } });
      const cut = await received(proxy.port);
      expect(cut.error).toBeDefined();
      expect(cut.bytes).toBeLessThan(200_000);
      expect([proxy.interrupted, proxy.bytesToClients]).toEqual([1, 200_000]);
      expect(await received(proxy.port)).toEqual({ bytes: body.length });
      expect(proxy.bytesToClients).toBeGreaterThan(200_000 + body.length);
    });

    it('stalls a connection at the byte count and keeps it open', async () => {
      proxy = await startTcpProxy('127.0.0.1', await freePort(), [big.port], {
        interrupt: { afterBytes: 100_000, times: 1, how: 'stall' },
      });
      const pending = received(proxy.port);
      const outcome = await Promise.race([
        pending.then(() => 'ended'),
        new Promise((resolve) => setTimeout(() => resolve('still open'), 500)),
      ]);
      expect([outcome, proxy.interrupted, proxy.bytesToClients]).toEqual(['still open', 1, 100_000]);
      await proxy.close();
      proxy = undefined;
      expect((await pending).error).toBeDefined();
    });
  });
});
