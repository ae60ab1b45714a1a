import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { freePort, startNatsServer, type RunningNats } from '@keelson/local-infra';
import { testEnv } from '@keelson/testing';
import { applyStreams, EventStore, LogWriter, productionNaming, type StreamDeclaration } from './index.js';
import { inc, parseCounterEvent, type CounterEvent } from './test-fixtures/counter.js';

// A private nats-server, killed while a store and a log writer make their first read: as a
// replica of a cluster sees JetStream during a meta-leader election (cluster e2e, "cluster-hang").
const decl: StreamDeclaration = { name: 'EV_UNREACHABLE', subjects: ['ev.counter.>'], description: 'jetstream unreachable at first read' };
const user = { user: 'svc', password: 'svc-secret' };
const meta = (commandId: string) => ({ actor: { kind: 'system' as const, id: 't' }, correlationId: 'c', commandId });

describe('an event store whose first read fails while JetStream is unreachable', () => {
  let dir: string;
  let ports: { port: number; mqttPort: number; monitorPort: number };
  let server: RunningNats | undefined;
  let nc: NatsConnection | undefined;
  const start = () =>
    startNatsServer({
      binary: testEnv().natsBinary,
      dir,
      serverName: 'unreachable-test',
      host: '127.0.0.1',
      ...ports,
      users: [user],
      systemUser: { user: 'sys', password: 'sys-secret' },
    });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keelson-unreachable-'));
    ports = { port: await freePort(), mqttPort: await freePort(), monitorPort: await freePort() };
  });
  afterEach(async () => {
    await nc?.close().catch(() => undefined);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Calls `attempt` until it resolves; a store that kept its first failure never does. */
  async function eventually<T>(attempt: () => Promise<T>, ms = 20_000): Promise<T> {
    const end = Date.now() + ms;
    let last: unknown;
    while (Date.now() < end) {
      try {
        return await attempt();
      } catch (err) {
        last = err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    throw new Error(`still failing after ${ms} ms: ${String(last)}`);
  }

  it('reads and appends again once JetStream answers, instead of repeating the first failure', async () => {
    server = await start();
    nc = await connect({ servers: server.url, user: user.user, pass: user.password, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    await applyStreams(await jetstreamManager(nc), productionNaming, [decl]);
    const store = new EventStore<CounterEvent>({ nc, naming: productionNaming, stream: decl, parse: parseCounterEvent });
    const log = new LogWriter<CounterEvent>(nc, store);
    const subject = store.subject('counter', 'f1', 'kept');
    const logSubject = store.subject('counter', 'f1', 'log');
    await store.append(subject, 0, [inc(1)], meta('k-1')); // a publish: makes no JetStreamManager

    await server.kill();
    await expect(store.load(subject)).rejects.toThrow();
    await expect(log.append(logSubject, inc(2), meta('k-2'))).rejects.toThrow();

    server = await start();
    const loaded = await eventually(() => store.load(subject));
    expect(loaded.events.map((e) => e.event)).toEqual([inc(1)]);
    await eventually(() => log.append(logSubject, inc(3), meta('k-3')));
    expect((await store.load(logSubject)).events.map((e) => e.event)).toEqual([inc(3)]);
  }, 60_000);
});
