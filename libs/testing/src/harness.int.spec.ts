import { connectAsync } from 'mqtt';
import pg from 'pg';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { assertTestDatabase, connectTestNats, createTestDatabase, testEnv, testNamespace } from './index.js';

describe('the test harness', () => {
  it('provides a nats-server with JetStream, and MQTT on that same server', async () => {
    const env = testEnv();
    const { streamPrefix, subjectPrefix } = testNamespace();
    const nc = await connectTestNats();
    const device = await connectAsync(env.mqttUrl, {
      username: env.natsUser,
      password: env.natsPass,
      clientId: `${streamPrefix}harness`,
      reconnectPeriod: 0,
    });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: `${streamPrefix}HARNESS`, subjects: [`${subjectPrefix}harness.>`] });
      const ack = await jetstream(nc).publish(`${subjectPrefix}harness.stored`, 'kept');
      expect([ack.stream, ack.seq]).toEqual([`${streamPrefix}HARNESS`, 1]);

      // MQTT topic a/b is NATS subject a.b: what the MQTT client publishes reaches a NATS subscriber.
      const heard = nc.subscribe(`${subjectPrefix}harness.mqtt`, { max: 1, timeout: 10_000 });
      await nc.flush();
      await device.publishAsync(`${subjectPrefix.replace('.', '/')}harness/mqtt`, 'over mqtt', { qos: 1 });
      const received: string[] = [];
      for await (const m of heard) received.push(m.string());
      expect(received).toEqual(['over mqtt']);
      await jsm.streams.delete(`${streamPrefix}HARNESS`);
    } finally {
      await device.endAsync();
      await nc.close();
    }
  });

  it('gives every spec file fresh names', () => {
    const a = testNamespace();
    const b = testNamespace();
    expect(a.streamPrefix).not.toBe(b.streamPrefix);
    expect(a.subjectPrefix).toMatch(/^t[0-9a-f]{10}\.$/);
  });

  it('creates a private PostgreSQL database and drops it', async () => {
    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ db: string }>('select current_database() as db');
    await client.end();
    expect(rows[0]?.db).toBe(db.name);
    await db.drop();
    const probe = new pg.Client({ connectionString: db.url });
    await expect(probe.connect()).rejects.toThrow(/does not exist/);
  });

  it('refuses to touch a database that is not a test database', () => {
    expect(() => assertTestDatabase('postgres')).toThrow(/refusing/);
    expect(() => assertTestDatabase('keelson')).toThrow(/refusing/);
    expect(() => assertTestDatabase('keelson_test_ab12_cd34')).not.toThrow();
  });
});
