import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort, isAlive, startNatsServer, type RunningNats } from '@keelson/local-infra';
import { eventually, testEnv } from '@keelson/testing';
import { applyStreams, EventStore, productionNaming, ReactorRunner, type StreamDeclaration } from './index.js';
import { inc, parseCounterEvent, type CounterEvent } from './test-fixtures/counter.js';

// A private nats-server per test, so it can be killed without disturbing other specs.
const decl: StreamDeclaration = { name: 'EV_CRASH', subjects: ['ev.counter.>'], description: 'crash tests' };
const user = { user: 'svc', password: 'svc-secret' };

describe('the event store across a nats-server crash', () => {
  let dir: string;
  let ports: { port: number; mqttPort: number; monitorPort: number };
  const start = () =>
    startNatsServer({
      binary: testEnv().natsBinary,
      dir,
      serverName: 'crash-test',
      host: '127.0.0.1',
      ...ports,
      users: [user],
      systemUser: { user: 'sys', password: 'sys-secret' },
    });

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
    for (let i = 1; i <= 50; i++)
      seq = (await store.append(subject, seq, [inc(i), inc(i)], {
        actor: { kind: 'system', id: 't' },
        correlationId: 'c',
        commandId: `k-${i}`,
      }))!.lastSeq;
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

  it('keeps a reactor runner handling events across a nats-server SIGKILL and restart', async () => {
    let server: RunningNats = await start();
    // The process outlives the server: its connection reconnects, and its runner carries on.
    const nc = await connect({
      servers: server.url,
      user: user.user,
      pass: user.password,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 200,
    });
    await applyStreams(await jetstreamManager(nc), productionNaming, [decl]);
    const store = new EventStore({ nc, naming: productionNaming, stream: decl, parse: parseCounterEvent });
    const subject = store.subject('counter', 'f1', 'runner');
    const seen: number[] = [];
    const reactor = {
      name: 'restart',
      stream: decl,
      parse: parseCounterEvent,
      handle: async (r: { event: CounterEvent }) => void seen.push(r.event.type === 'Incremented' ? r.event.data.by : 0),
    };
    const runner = new ReactorRunner({ nc, naming: productionNaming, reactor, retryDelayMs: 100 });
    await runner.start();
    const meta = (id: string) => ({ actor: { kind: 'system' as const, id: 't' }, correlationId: 'c', commandId: id });
    const seq = (await store.append(subject, 0, [inc(1)], meta('r-1')))!.lastSeq;
    await eventually(() => seen.length === 1, 30_000);
    await server.kill();
    server = await start();
    // Appended once the server is back (the same command id: a retried append is stored once).
    for (let appended = false; !appended;)
      appended = await store.append(subject, seq, [inc(2)], meta('r-2')).then(
        () => true,
        () => false,
      );
    await eventually(() => seen.length === 2, 30_000);
    await runner.stop();
    expect(seen).toEqual([1, 2]);
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
