import { createServer, type Server } from 'node:http';
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
});
