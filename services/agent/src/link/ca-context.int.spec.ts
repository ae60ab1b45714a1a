import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { ensureLocalTls, type LocalTls } from '@keelson/local-infra';
import { caSecureContext } from './ca-context.js';

// Issue 11: every MQTT connection of a process shares one TLS context per platform CA; shared, it
// must still trust that CA alone.
describe('caSecureContext (real TLS servers of two CAs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-ca-context-'));
  const servers: Server[] = [];
  let platform: { tls: LocalTls; port: number };
  let stranger: { tls: LocalTls; port: number };

  const serve = async (name: string) => {
    const tls = await ensureLocalTls(join(dir, name));
    const server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (socket) => socket.end());
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { tls, port: (server.address() as AddressInfo).port };
  };
  const handshake = (port: number, ca: string) =>
    new Promise<TLSSocket>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, secureContext: caSecureContext(ca), rejectUnauthorized: true }, () =>
        resolve(socket),
      );
      socket.on('error', reject);
    });

  beforeAll(async () => {
    platform = await serve('platform');
    stranger = await serve('stranger');
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives every connection that trusts one CA the same context', () => {
    expect(caSecureContext(platform.tls.caPem)).toBe(caSecureContext(platform.tls.caPem));
    expect(caSecureContext(stranger.tls.caPem)).not.toBe(caSecureContext(platform.tls.caPem));
  });

  it('verifies each connection against its CA, one after another on the shared context', async () => {
    for (let i = 0; i < 3; i++) {
      const socket = await handshake(platform.port, platform.tls.caPem);
      expect(socket.authorized).toBe(true);
      socket.destroy();
    }
  });

  it('refuses a server of another CA, also after the context served good connections', async () => {
    (await handshake(platform.port, platform.tls.caPem)).destroy();
    await expect(handshake(stranger.port, platform.tls.caPem)).rejects.toThrow(/certificate/i);
    (await handshake(stranger.port, stranger.tls.caPem)).destroy();
  });
});
