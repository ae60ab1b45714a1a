import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { credentialsMigrations } from './credentials.migrations.js';
import { DeviceCredentialsStore } from './device-credentials.store.js';
import { isDevicePassword, mintDevicePassword } from './device-password.js';

describe('DeviceCredentialsStore.record', () => {
  let testDb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
    await migrate(db, credentialsMigrations);
  });

  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  const minted = (deviceId: string) => {
    const { password, stored } = mintDevicePassword();
    return { password, input: { deviceId, fleet: 'plant-7', password: stored, issuedAt: new Date('2026-12-06T06:00:00Z') } };
  };

  it('stores the credentials of enrollments in flight together in shared commits, each readable as written', async () => {
    const store = new DeviceCredentialsStore(db);
    const devices = Array.from({ length: 40 }, (_, i) => minted(`d-together-${i}`));
    await Promise.all(devices.map((d) => store.record(d.input)));
    for (const d of devices) {
      const found = await store.find(d.input.deviceId);
      expect([found?.fleet, found?.revoked, found && isDevicePassword(d.password, found.password)]).toEqual(['plant-7', false, true]);
    }
    // Rows of one transaction share its xmin: 40 commits would show 40 ids.
    const [{ commits }] = (await db.query<{ commits: string }>(
      "SELECT count(DISTINCT xmin::text) AS commits FROM device_credentials WHERE device_id LIKE 'd-together-%'",
    )) as [{ commits: string }];
    expect(Number(commits)).toBeLessThanOrEqual(2);
  });

  it('refuses a device id that already has credentials to its caller alone; the others in flight with it are stored', async () => {
    const store = new DeviceCredentialsStore(db);
    await store.record(minted('d-taken').input);
    const others = Array.from({ length: 10 }, (_, i) => minted(`d-beside-${i}`));
    const outcomes = await Promise.allSettled(
      [...others.slice(0, 5), minted('d-taken'), ...others.slice(5)].map((d) => store.record(d.input)),
    );
    expect(outcomes.map((o) => o.status)).toEqual([...Array(5).fill('fulfilled'), 'rejected', ...Array(5).fill('fulfilled')]);
    const stored = await db.query<{ device_id: string }>("SELECT device_id FROM device_credentials WHERE device_id LIKE 'd-beside-%'");
    expect(stored).toHaveLength(10);
  });
});
