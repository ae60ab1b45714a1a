import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, PermissionViolationError, type NatsConnection } from '@nats-io/transport-node';
import { freePort, startNatsServer, type RunningNats } from '@keelson/local-infra';
import { testEnv } from '@keelson/testing';
import { ReplyMux } from './reply-mux.js';

// A private nats-server: the harness's shared one has a single user that may publish anywhere.
describe('a request the connection may not publish, against a real nats-server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-mux-perm-'));
  const caller = { user: 'caller', password: 'caller-secret', permissions: { publish: ['cmd.allowed'], subscribe: ['_INBOX.>'] } };
  let server: RunningNats;
  let nc: NatsConnection;

  beforeAll(async () => {
    const ports = { port: await freePort(), mqttPort: await freePort(), monitorPort: await freePort() };
    server = await startNatsServer({
      binary: testEnv().natsBinary,
      dir,
      serverName: 'mux-perm',
      host: '127.0.0.1',
      ...ports,
      users: [caller],
      systemUser: { user: 'sys', password: 'sys-secret' },
    });
    nc = await connect({ servers: server.url, user: caller.user, pass: caller.password });
  }, 30_000);
  afterAll(async () => {
    await nc?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused at once with the server’s permission error, not left to time out', async () => {
    const mux = new ReplyMux(nc);
    const err = await mux.request('cmd.forbidden', 'x', { timeoutMs: 600_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermissionViolationError);
    expect(err).toMatchObject({ operation: 'publish', subject: 'cmd.forbidden' });
    expect(mux.waiting).toBe(0);
  });
});
