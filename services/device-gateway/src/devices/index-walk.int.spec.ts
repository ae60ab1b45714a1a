import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { windowQuery } from './device-profiles.js';
import { devicesMigrations } from './devices.projection.js';
import { inIndexOrder } from './index-walk.js';

const planOf = (rows: Record<string, unknown>[]) => rows.map((r) => r['QUERY PLAN']).join('\n');

describe('a page of the fleet in enrollment order, on a devices table never analyzed', () => {
  let tdb: TestDatabase;
  let db: Database;
  // the page after the 15,000th of 30,000 devices, a selector's condition on a label, as match-devices asks it
  const text = windowQuery('device_id', ' AND (labels ->> $6::text) = $7::text');
  const params = ['default', null, null, 30_000, 1000, 'site', 'north'];

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
    await migrate(db, devicesMigrations);
    // a burst of enrollments: 30,000 rows at once, no ANALYZE since (autovacuum has not come by yet)
    await db.query(
      `INSERT INTO devices (device_id, fleet, name, status, labels, hardware, reachable, enrolled_at, enrolled_seq, desired_generation, assignments, last_seq)
       SELECT 'd-' || o, 'default', 'cam-' || o, 'active', '{"site":"north"}', '{}', false, now(), o * 2, 0, '[]', o * 2 FROM generate_series(1, 30000) AS o`,
    );
  });
  afterAll(async () => {
    await db?.close();
    await tdb?.drop();
  });

  it('walks the index and stops at the page, where the planner left alone reads every later device and sorts them', async () => {
    expect(planOf(await db.query(`EXPLAIN ${text}`, params))).toMatch(/Sort/); // the hazard this guards against
    const walked = planOf(await inIndexOrder(db, `EXPLAIN ${text}`, params));
    expect(walked).toMatch(/Index Scan Backward using devices_fleet_seq/);
    expect(walked).not.toMatch(/Sort/);
  });

  it('answers the same page either way', async () => {
    const page = await inIndexOrder<{ device_id: string }>(db, text, params);
    expect(page).toEqual(await db.query(text, params));
    expect(page.map((r) => r.device_id)).toEqual(Array.from({ length: 1001 }, (_, i) => `d-${15_001 + i}`));
  });
});
