import pg from 'pg';

const databaseName = /^[a-z][a-z0-9_]{0,62}$/;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Creates `name` on the server behind `adminUrl` unless it exists, and returns its URL. One database
 * per service (DESIGN: no service reads another's tables). Safe to call on every start.
 */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  if (!databaseName.test(name)) throw new Error(`'${name}' is not a database name this stack creates`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${name}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by a racing start: fine
      });
    }
  } finally {
    await client.end();
  }
  return withDatabase(adminUrl, name);
}

/** `keelson_registry_facade` for `registry-facade`. */
export function serviceDatabaseName(service: string): string {
  return `keelson_${service.replace(/-/g, '_')}`;
}
