import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { databaseSchemaVersion, migrate, openDatabase, type Database } from './index.js';

describe('the PostgreSQL adapter', () => {
  let tdb: TestDatabase;
  let db: Database;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
  });
  afterAll(async () => {
    await db.close();
    await tdb.drop();
  });

  const migrations = [
    { id: 'demo-0001-notes', sql: 'CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)' },
    { id: 'demo-0002-author', sql: "ALTER TABLE notes ADD COLUMN author text NOT NULL DEFAULT 'ada'" },
  ];

  it('applies migrations once, in order, even when replicas start together', async () => {
    const runs = await Promise.all([migrate(db, migrations), migrate(db, migrations)]);
    expect(runs.flat().sort()).toEqual(['demo-0001-notes', 'demo-0002-author']);
    expect(await migrate(db, migrations)).toEqual([]);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await db.transaction((sql) => sql.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [1, 'kept']));
    await expect(
      db.transaction(async (sql) => {
        await sql.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [2, 'lost']);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const rows = await db.query<{ id: number; author: string }>('SELECT id, author FROM notes ORDER BY id');
    expect(rows).toEqual([{ id: 1, author: 'ada' }]);
  });

  it('runs a statement inside a transaction in it, and one outside any transaction beside it', async () => {
    const seen = await db.transaction(async (sql) => {
      await sql.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [3, 'pending']);
      const inside = await sql.query<{ id: number }>('SELECT id FROM notes WHERE id = 3');
      const outside = await db.query<{ id: number }>('SELECT id FROM notes WHERE id = 3'); // another connection: not committed yet
      return { inside, outside };
    });
    expect(seen).toEqual({ inside: [{ id: 3 }], outside: [] });
    expect(await db.query('SELECT id FROM notes WHERE id = 3')).toEqual([{ id: 3 }]);
  });

  describe('when PostgreSQL ends a session in the middle of a transaction (idle in transaction too long)', () => {
    it('fails that transaction with its own error, keeps working, and still closes', async () => {
      const own = await openDatabase({ url: tdb.url });
      const failed = own.transaction(async (sql) => {
        await sql.query(`SELECT set_config('idle_in_transaction_session_timeout', '200ms', true)`);
        await new Promise((r) => setTimeout(r, 600)); // a holder frozen mid-transaction, then resumed
        await sql.query('SELECT 1');
      });
      await expect(failed).rejects.toThrow(/connection|terminat/i);
      expect(await own.query<{ n: number }>('SELECT 2 AS n')).toEqual([{ n: 2 }]);
      const closed = await Promise.race([
        own.close().then(() => 'closed'),
        new Promise((r) => setTimeout(() => r('still closing after 5 s'), 5_000)),
      ]);
      expect(closed).toBe('closed');
    });
  });

  describe('when a newer release migrated the database', () => {
    it('refuses to migrate it, changing nothing, and says why', async () => {
      const newer = await createTestDatabase();
      const own = await openDatabase({ url: newer.url });
      try {
        await migrate(own, [{ id: 'demo-0001-first', sql: 'CREATE TABLE first_table (id int)' }], databaseSchemaVersion + 1); // the newer release
        await expect(migrate(own, [{ id: 'demo-0002-second', sql: 'CREATE TABLE second_table (id int)' }])).rejects.toThrow(
          `the database was migrated by a newer Keelson (database schema ${databaseSchemaVersion + 1}, this release migrates to ${databaseSchemaVersion}): refusing to start rather than run against it; run the newer release`,
        );
        expect((await own.query<{ id: string }>('SELECT id FROM keelson_migrations')).map((r) => r.id)).toEqual(['demo-0001-first']);
        expect(await own.query<{ version: number }>('SELECT version FROM keelson_schema')).toEqual([
          { version: databaseSchemaVersion + 1 },
        ]);
      } finally {
        await own.close();
        await newer.drop();
      }
    });

    it('stamps an older database with this release when it migrates it', async () => {
      expect(await db.query<{ version: number }>('SELECT version FROM keelson_schema')).toEqual([{ version: databaseSchemaVersion }]);
    });
  });
});
