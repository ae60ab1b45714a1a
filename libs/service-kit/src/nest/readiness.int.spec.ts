import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, Module, type BeforeApplicationShutdown, type INestApplication } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { applyStreams, type StreamDeclaration } from '@keelson/event-store';
import { freePort, startNatsServer, type RunningNats, type StartNatsOptions } from '@keelson/local-infra';
import { createTestDatabase, dropTestDatabase, eventually, testEnv, type TestDatabase } from '@keelson/testing';
import { loadServiceConfig, type ServiceConfig } from '../config.js';
import { declareModule } from '../runner/module-declaration.js';
import { InfrastructureModule } from './infrastructure.module.js';
import { createServiceApp } from './run-service.js';

describe('/readyz: ready once started and every module runs, while NATS is connected and the database answers, until it stops', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-readyz-'));
  let natsOptions: StartNatsOptions;
  let nats: RunningNats;
  let db: TestDatabase;
  let app: INestApplication;
  let url: string;
  let config: ServiceConfig;
  let password: string;
  // Modules that wait for a stream another service declares; the second one's start then fails.
  const later: StreamDeclaration = { name: 'EV_READYZ_LATER', subjects: ['ev.readyzlater.>'], description: 'readyz spec' };
  const broken: StreamDeclaration = { name: 'EV_READYZ_BROKEN', subjects: ['ev.readyzbroken.>'], description: 'readyz spec' };
  const laterModule = declareModule({
    module: 'later',
    needs: [{ stream: later, owner: 'spec' }],
    projections: [{ name: 'later worker', replicas: 'every-replica', start: () => undefined, stop: () => undefined }],
  });
  const brokenModule = declareModule({
    module: 'broken',
    needs: [{ stream: broken, owner: 'spec' }],
    projections: [
      { name: 'key check', replicas: 'every-replica', start: () => Promise.reject(new Error('wrong secret')), stop: () => undefined },
    ],
  });
  /** Declares a stream as its owner would, on a connection of the spec's own. */
  const declareStream = async (decl: StreamDeclaration) => {
    const nc = await connect({ servers: nats.url, user: 'svc', pass: password });
    await applyStreams(await jetstreamManager(nc), config.naming, [decl]);
    await nc.close();
  };
  let releaseStop: () => void = () => undefined;
  let stopHookReached: () => void = () => undefined;
  const stopping = new Promise<void>((r) => (stopHookReached = r));

  /** Holds the app's stop inside a runner's shutdown hook until the spec lets it go. */
  @Injectable()
  class SlowRunner implements BeforeApplicationShutdown {
    beforeApplicationShutdown(): Promise<void> {
      stopHookReached();
      return new Promise((r) => (releaseStop = r));
    }
  }
  @Module({ providers: [SlowRunner, { provide: 'readyz-spec-later', useValue: laterModule }] })
  class SlowModule {}

  const readyz = async () => {
    const res = await fetch(`${url}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; ready: boolean; checks: Record<string, string> } };
  };

  beforeAll(async () => {
    password = randomBytes(8).toString('hex');
    const [port, mqttPort, monitorPort] = [await freePort(), await freePort(), await freePort()];
    natsOptions = {
      binary: testEnv().natsBinary,
      dir: join(dir, 'nats'),
      serverName: 'readyz',
      host: '127.0.0.1',
      port,
      mqttPort,
      monitorPort,
      users: [{ user: 'svc', password }],
      systemUser: { user: 'sys', password: randomBytes(8).toString('hex') },
    };
    nats = await startNatsServer(natsOptions);
    db = await createTestDatabase();
    config = loadServiceConfig('readyz-spec', {
      KEELSON_NATS_URL: nats.url,
      KEELSON_NATS_USER: 'svc',
      KEELSON_NATS_PASSWORD: password,
      KEELSON_DATABASE_URL: db.url,
    });
    @Module({ imports: [InfrastructureModule.forRoot(config), SlowModule] })
    class AppModule {}
    app = await createServiceApp(AppModule, config);
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    releaseStop();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is not ready while a module waits for a stream another service declares, yet alive; ready once it exists', async () => {
    expect(await readyz()).toEqual({
      status: 503,
      body: {
        status: 'not ready',
        service: 'readyz-spec',
        ready: false,
        checks: { nats: 'ok', database: 'ok', modules: 'later: waiting for EV_READYZ_LATER', lifecycle: 'ok' },
      },
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await declareStream(later);
    await eventually(async () => (await readyz()).status === 200);
    expect(await readyz()).toEqual({
      status: 200,
      body: {
        status: 'ready',
        service: 'readyz-spec',
        ready: true,
        checks: { nats: 'ok', database: 'ok', modules: 'ok', lifecycle: 'ok' },
      },
    });
  });

  it('is neither ready nor alive once a module failed to start in the background: only a restart runs it', async () => {
    @Module({
      imports: [InfrastructureModule.forRoot({ ...config, service: 'readyz-broken' })],
      providers: [{ provide: 'readyz-spec-broken', useValue: brokenModule }],
    })
    class BrokenAppModule {}
    const other = await createServiceApp(BrokenAppModule, { ...config, service: 'readyz-broken' });
    try {
      await other.listen(0, '127.0.0.1');
      const otherUrl = (await other.getUrl()).replace('[::1]', '127.0.0.1');
      expect((await fetch(`${otherUrl}/healthz`)).status).toBe(200); // waiting is not failing
      await declareStream(broken);
      await eventually(async () => (await fetch(`${otherUrl}/healthz`)).status === 503);
      expect(((await (await fetch(`${otherUrl}/healthz`)).json()) as { message: string }).message).toBe(
        "a module failed to start: broken: 'key check' failed: wrong secret",
      );
      const ready = (await (await fetch(`${otherUrl}/readyz`)).json()) as { checks: Record<string, string> };
      expect(ready.checks.modules).toBe("broken: 'key check' failed: wrong secret");
    } finally {
      await other.close();
    }
  });

  it('is not ready while NATS is cut and reconnecting, yet alive; ready again once it is back', async () => {
    await nats.stop();
    await eventually(async () => (await readyz()).status === 503);
    expect((await readyz()).body).toMatchObject({
      status: 'not ready',
      ready: false,
      checks: { nats: expect.stringMatching(/^disconnected from .*, reconnecting$/), database: 'ok' },
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200); // not dead: a probe must not restart it for this
    nats = await startNatsServer(natsOptions);
    await eventually(async () => (await readyz()).status === 200);
  });

  it('is not ready when the database does not answer', async () => {
    await dropTestDatabase(db.name);
    await eventually(async () => (await readyz()).status === 503);
    expect((await readyz()).body.checks).toEqual({
      nats: 'ok',
      database: expect.stringMatching(/^unreachable: /),
      modules: 'ok',
      lifecycle: 'ok',
    });
  });

  it('is not ready from the moment it starts to stop, while its runners drain', async () => {
    const closing = app.close();
    await stopping; // a runner is draining: the port still answers
    expect((await readyz()).body.checks.lifecycle).toBe('stopping');
    releaseStop();
    await closing;
  });
});
