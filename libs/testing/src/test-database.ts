import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { testEnv } from './test-env.js';

const testDbPattern = /^keelson_test_[a-z0-9_]+$/;

/** The guard every harness write goes through: only databases this harness names may be touched. */
export function assertTestDatabase(name: string): void {
  if (!testDbPattern.test(name)) throw new Error(`refusing to touch '${name}': not a Keelson test database (keelson_test_*)`);
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testEnv().pgAdminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A database of one's own for a spec file; `drop()` it in afterAll. */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `keelson_test_${testEnv().runId}_${randomBytes(5).toString('hex')}`;
  assertTestDatabase(name);
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: withDatabase(testEnv().pgAdminUrl, name),
    drop: () => dropTestDatabase(name),
  };
}

export async function dropTestDatabase(name: string): Promise<void> {
  assertTestDatabase(name);
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Drops every database a run created (on a shared server named by DATABASE_URL). */
export async function dropRunDatabases(adminUrl: string, runId: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `keelson_test_${runId}_%`,
    ]);
    for (const { datname } of rows) {
      assertTestDatabase(datname);
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}
