import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { freePort, startEmbeddedPostgres } from './index.js';
import { isAlive } from './pid-file.js';

describe('embedded PostgreSQL for the local stack', () => {
  const dir = join(tmpdir(), `keelson-pg-${randomBytes(4).toString('hex')}`);
  beforeAll(() => mkdirSync(dir, { recursive: true, mode: 0o755 }));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const count = async (url: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query('CREATE TABLE IF NOT EXISTS kept (n int)');
      await c.query('INSERT INTO kept VALUES (1)');
      return Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM kept')).rows[0]!.n);
    } finally {
      await c.end();
    }
  };

  it('keeps its data across starts and replaces a postgres orphaned by a crashed run', async () => {
    const port = await freePort();
    const first = await startEmbeddedPostgres({ dir, port, password: 'pw' });
    expect(await count(first.adminUrl)).toBe(1);
    // The owner "crashes": the cluster keeps running with its postmaster.pid. A new start must not fail.
    const second = await startEmbeddedPostgres({ dir, port, password: 'pw' });
    expect(await count(second.adminUrl)).toBe(2);
    await second.stop();
  });

  // Ctrl-C in a terminal sends SIGINT to the whole process group, `timeout` and supervisors SIGTERM:
  // postgres gets it as well as its owner, and may be gone before the owner's shutdown reaches it.
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'stops at once when postgres already exited on a %s to the group',
    async (signal) => {
      const running = await startEmbeddedPostgres({ dir, port: await freePort(), password: 'pw' });
      const pid = Number.parseInt(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]!, 10);
      process.kill(pid, signal);
      while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
      await expect(running.stop()).resolves.toBeUndefined(); // hung forever before: the test timed out
    },
    30_000,
  );
});
