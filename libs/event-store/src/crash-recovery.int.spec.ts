import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort, isAlive, startNatsServer, type RunningNats } from '@keelson/local-infra';
import { testEnv } from '@keelson/testing';
import { applyStreams, EventStore, productionNaming, type StreamDeclaration } from './index.js';
import { inc, parseCounterEvent } from './test-fixtures/counter.js';

// A private nats-server per test, so it can be killed without disturbing other specs.
const decl: StreamDeclaration = { name: 'EV_CRASH', subjects: ['ev.counter.>'], description: 'crash tests' };
const user = { user: 'svc', password: 'svc-secret' };

describe('the event store across a nats-server crash', () => {
  let dir: string;
  let ports: { port: number; mqttPort: number; monitorPort: number };
  const start = () =>
    startNatsServer({ binary: testEnv().natsBinary, dir, serverName: 'crash-test', host: '127.0.0.1', ...ports, users: [user], systemUser: { user: 'sys', password: 'sys-secret' } });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keelson-crash-'));
    ports = { port: await freePort(), mqttPort: await freePort(), monitorPort: await freePort() };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged event through a SIGKILL and restart', async () => {
    let server: RunningNats = await start();
    let nc = await connect({ servers: server.url, ...{ user: user.user, pass: user.password } });
    await applyStreams(await jetstreamManager(nc), productionNaming, [decl]);
    let store = new EventStore({ nc, naming: productionNaming, stream: decl, parse: parseCounterEvent });
    const subject = store.subject('counter', 'f1', 'durable');
    let seq = 0;
    for (let i = 1; i <= 50; i++) seq = (await store.append(subject, seq, [inc(i), inc(i)], { actor: { kind: 'system', id: 't' }, correlationId: 'c', commandId: `k-${i}` }))!.lastSeq;
    await server.kill();
    await nc.close().catch(() => undefined);

    server = await start();
    nc = await connect({ servers: server.url, user: user.user, pass: user.password });
    await applyStreams(await jetstreamManager(nc), productionNaming, [decl]); // idempotent at every start
    store = new EventStore({ nc, naming: productionNaming, stream: decl, parse: parseCounterEvent });
    const loaded = await store.load(subject);
    expect(loaded.events).toHaveLength(100);
    expect(loaded.lastSeq).toBe(seq);
    await nc.close();
    await server.stop();
  });

  it('stops a nats-server left running by a crashed run before starting a new one', async () => {
    const orphan = await start(); // its owner "crashes": we never call stop()
    const fresh = await start();
    expect(isAlive(orphan.pid)).toBe(false);
    expect(isAlive(fresh.pid)).toBe(true);
    await fresh.stop();
  });
});
