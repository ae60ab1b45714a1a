import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { rolloutClaimsMigrations } from './rollout-claims.migrations.js';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

describe('rollout_claims indexes', () => {
  let tdb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
    await migrate(db, rolloutClaimsMigrations);
    // One rollout's claims on 5000 devices, as after a large wave's assignments.
    await db.query(`INSERT INTO rollout_claims (fleet, artifact_name, device_id, rollout_id, seq)
      SELECT 'plant-7', 'yolo', 'd-' || i, 'r-big', i FROM generate_series(1, 5000) AS i`);
    await db.query('ANALYZE rollout_claims');
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  it("releases one device's claim by an index lookup on the device, not a scan of the rollout's claims", async () => {
    const [
      {
        'QUERY PLAN': [plan],
      },
    ] = (await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) DELETE FROM rollout_claims WHERE fleet = 'plant-7' AND rollout_id = 'r-big' AND device_id = 'd-42'`,
    )) as [{ 'QUERY PLAN': [{ Plan: PlanNode }] }];
    const scan = nodes(plan.Plan).find((n) => n['Index Cond'] !== undefined);
    // The device in the index condition (the primary key, or the rollout's index with the device):
    // not the rollout's claims filtered.
    expect(scan?.['Index Name']).toMatch(/^rollout_claims_(pkey|rollout_device)$/);
    expect(scan?.['Index Cond']).toMatch(/device_id = 'd-42'/);
  });

  it('finds the rollouts holding a device by an index on the device (the device-outcomes reactor)', async () => {
    const [
      {
        'QUERY PLAN': [plan],
      },
    ] = (await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) SELECT DISTINCT rollout_id FROM rollout_claims WHERE fleet = 'plant-7' AND device_id = 'd-42' ORDER BY rollout_id`,
    )) as [{ 'QUERY PLAN': [{ Plan: PlanNode }] }];
    expect(nodes(plan.Plan).some((n) => n['Index Name'] === 'rollout_claims_pkey')).toBe(true);
  });

  it("finds a creation's conflicts by the device and artifact name, from the primary key", async () => {
    const [
      {
        'QUERY PLAN': [plan],
      },
    ] = (await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) SELECT device_id, rollout_id FROM rollout_claims WHERE fleet = 'plant-7' AND artifact_name = 'yolo' AND device_id = ANY('{d-1,d-2}'::text[])`,
    )) as [{ 'QUERY PLAN': [{ Plan: PlanNode }] }];
    const scan = nodes(plan.Plan).find((n) => n['Index Cond'] !== undefined);
    expect(scan?.['Index Name']).toBe('rollout_claims_pkey');
    expect(scan?.['Index Cond']).toMatch(/device_id = ANY/);
  });

  it("writes two indexes per claim: the primary key and the rollout's", async () => {
    const rows = await db.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE tablename = 'rollout_claims' ORDER BY indexname",
    );
    expect(rows.map((r) => r.indexname)).toEqual(['rollout_claims_pkey', 'rollout_claims_rollout_device']);
  });

  it("still finds a rollout's claims by the rollout alone (the finished rollout's release)", async () => {
    const [
      {
        'QUERY PLAN': [plan],
      },
    ] = (await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) DELETE FROM rollout_claims WHERE fleet = 'plant-7' AND rollout_id = 'r-none'`,
    )) as [{ 'QUERY PLAN': [{ Plan: PlanNode }] }];
    expect(nodes(plan.Plan).some((n) => n['Index Name'] === 'rollout_claims_rollout_device')).toBe(true);
  });
});
