import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNatsCluster, type RunningNatsCluster } from './nats-cluster.js';

function natsBinary(): string {
  const binary = process.env.KEELSON_TEST_NATS_BINARY; // set by libs/testing's global setup
  if (!binary) throw new Error('KEELSON_TEST_NATS_BINARY is not set: run this spec in the integration project');
  return binary;
}

describe('startNatsCluster: three nodes on loopback', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-nats-cluster-'));
  const user = { user: 'u', password: 'p' };
  let cluster: RunningNatsCluster;
  let nc: NatsConnection;

  beforeAll(async () => {
    cluster = await startNatsCluster({
      binary: natsBinary(),
      dir,
      nodes: 3,
      name: 'spec',
      host: '127.0.0.1',
      users: [user],
      systemUser: { user: 'sys', password: 's' },
    });
    nc = await connect({ servers: cluster.urls, user: user.user, pass: user.password, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  }, 60_000);

  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('gives every node its own name and one MQTT listener each', async () => {
    const names = await Promise.all(
      cluster.nodes.map(async (n) => ((await (await fetch(`${n.monitorUrl}/varz`)).json()) as { server_name: string }).server_name),
    );
    expect(names).toEqual(['spec-0', 'spec-1', 'spec-2']);
    expect(new Set(cluster.mqttUrls).size).toBe(3);
  });

  it('keeps an R3 stream readable and writable after its leader is SIGKILLed', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'CLUSTER_SPEC', subjects: ['cluster.spec.>'], num_replicas: 3 });
    const js = jetstream(nc);
    for (let i = 0; i < 10; i++) await js.publish('cluster.spec.before', `m${i}`);
    const leaderName = (await jsm.streams.info('CLUSTER_SPEC')).cluster?.leader;
    const leader = cluster.nodes[Number(leaderName?.split('-').pop())]!;
    expect(leaderName).toMatch(/^spec-\d$/);

    await leader.kill();

    // A new leader is elected among the two survivors; the client moves to one of them on its own.
    const ack = await retry(() => js.publish('cluster.spec.after', 'm10'));
    expect(ack.seq).toBe(11);
    const info = await jsm.streams.info('CLUSTER_SPEC');
    expect(info.state.messages).toBe(11);
    expect(info.cluster?.leader).not.toBe(leaderName);
    expect(new TextDecoder().decode((await jsm.streams.getMessage('CLUSTER_SPEC', { seq: 3 }))!.data)).toBe('m2');
  }, 60_000);

  it('takes a restarted node back, which catches up on what it missed', async () => {
    const down = cluster.nodes.findIndex((n) => n.pid && !isRunning(n.pid));
    expect(down).toBeGreaterThanOrEqual(0);
    const node = await cluster.restart(down);
    const own = await connect({ servers: node.url, user: user.user, pass: user.password });
    try {
      const jsm = await jetstreamManager(own);
      const info = await retry(async () => {
        const i = await jsm.streams.info('CLUSTER_SPEC');
        if (i.cluster?.replicas?.some((r) => !r.current)) throw new Error('a replica is still catching up');
        return i;
      });
      expect(info.state.messages).toBe(11);
    } finally {
      await own.close();
    }
  }, 60_000);
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function retry<T>(fn: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
