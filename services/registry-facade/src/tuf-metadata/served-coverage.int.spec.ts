import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { KeyedRepository, type Signing } from '@keelson/tuf/testing';
import { servedRoleVersion, servesRoleVersion } from './served-coverage.js';
import { tufMetadataMigrations } from './tuf-metadata.projection.js';

describe('servedRoleVersion: what the served timestamp and snapshot reach (real PostgreSQL)', () => {
  let testDb: TestDatabase;
  let db: Database;

  // Each fleet's documents signed by a repository of its own, at the versions and with the listings each test chooses.
  const repos = new Map<string, KeyedRepository>();
  const repoOf = (fleet: string) => repos.get(fleet) ?? repos.set(fleet, new KeyedRepository()).get(fleet)!;
  const store = (fleet: string, { role, version, expires, document }: Signing) =>
    db.query(`INSERT INTO tuf_metadata (fleet, role, version, expires, document) VALUES ($1, $2, $3, $4, $5)`, [
      fleet,
      role,
      version,
      expires,
      JSON.stringify(document),
    ]);
  /** `{ 'bins-1f.json': 3 }` as the roles a snapshot lists, `{ 'bins-1f': 3 }`. */
  const rolesOf = (meta: Record<string, number>) =>
    Object.fromEntries(Object.entries(meta).map(([file, v]) => [file.replace(/\.json$/, ''), v]));
  const snapshot = (fleet: string, version: number, meta: Record<string, number>) =>
    store(fleet, repoOf(fleet).signSnapshot(rolesOf(meta), { version }));
  const timestamp = (fleet: string, version: number, snapshotVersion: number) =>
    store(fleet, repoOf(fleet).renewTimestamp(86_400, { version, snapshot: snapshotVersion }));

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
    await migrate(db, tufMetadataMigrations);
  });
  afterAll(async () => {
    await db.close();
    await testDb.drop();
  });

  it('reaches a bin at the version the snapshot named by the newest timestamp lists, and no further', async () => {
    await snapshot('covered', 4, { 'targets.json': 1, 'bins-1f.json': 3, 'bins-20.json': 1 });
    await timestamp('covered', 4, 4);
    expect(await servedRoleVersion(db, 'covered', 'bins-1f')).toBe(3);
    expect(await servesRoleVersion(db, 'covered', 'bins-1f', 3)).toBe(true);
    expect(await servesRoleVersion(db, 'covered', 'bins-1f', 2)).toBe(true);
    expect(await servesRoleVersion(db, 'covered', 'bins-1f', 4)).toBe(false);
    // A flat repository's (or the delegating) targets is listed the same way.
    expect(await servesRoleVersion(db, 'covered', 'targets', 1)).toBe(true);
  });

  it('does not reach a bin version newer than the served snapshot lists, nor a bin it does not list', async () => {
    await snapshot('behind', 2, { 'targets.json': 1, 'bins-1f.json': 2 });
    await timestamp('behind', 2, 2);
    expect(await servesRoleVersion(db, 'behind', 'bins-1f', 3)).toBe(false);
    expect(await servedRoleVersion(db, 'behind', 'bins-aa')).toBeNull();
  });

  it('does not count a snapshot that no served timestamp names yet', async () => {
    await snapshot('no-timestamp', 1, { 'targets.json': 1, 'bins-1f.json': 1 });
    expect(await servedRoleVersion(db, 'no-timestamp', 'bins-1f')).toBeNull();

    await snapshot('older-timestamp', 1, { 'targets.json': 1, 'bins-1f.json': 1 });
    await timestamp('older-timestamp', 1, 1);
    await snapshot('older-timestamp', 2, { 'targets.json': 1, 'bins-1f.json': 2 });
    expect(await servesRoleVersion(db, 'older-timestamp', 'bins-1f', 2)).toBe(false);
    await timestamp('older-timestamp', 2, 2);
    expect(await servesRoleVersion(db, 'older-timestamp', 'bins-1f', 2)).toBe(true);
  });

  it("goes by the newest timestamp, whatever order the rows were written in, and only the fleet's own", async () => {
    await snapshot('order', 5, { 'bins-1f.json': 5 });
    await snapshot('order', 6, { 'bins-1f.json': 6 });
    await timestamp('order', 9, 6);
    await timestamp('order', 8, 5);
    expect(await servedRoleVersion(db, 'order', 'bins-1f')).toBe(6);
    // What another fleet serves says nothing about this one: neither its timestamp nor its snapshot of the same version.
    expect(await servedRoleVersion(db, 'stranger', 'bins-1f')).toBeNull();
    await timestamp('stranger', 1, 6);
    expect(await servedRoleVersion(db, 'stranger', 'bins-1f')).toBeNull();
  });

  it('does not count a timestamp whose snapshot is not stored', async () => {
    await timestamp('dangling', 3, 3);
    expect(await servedRoleVersion(db, 'dangling', 'bins-1f')).toBeNull();
  });
});
