import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { assertTestDatabase, connectTestNats, createTestDatabase, testEnv, testNamespace } from './index.js';

describe('the test harness', () => {
  it('provides a nats-server with JetStream and MQTT', async () => {
    const nc = await connectTestNats();
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.getAccountInfo();
      expect(info.api.total).toBeGreaterThanOrEqual(0);
      expect(testEnv().mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    } finally {
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
