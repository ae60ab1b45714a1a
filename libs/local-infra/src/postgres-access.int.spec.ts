import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startEmbeddedPostgres } from './index.js';
import { blockingDirectory } from './postgres-access.js';

// Running as root, embedded PostgreSQL runs as the `postgres` user; a checkout or KEELSON_HOME under a
// directory that user cannot enter failed with a bare `spawn …/initdb EACCES`.
describe('a directory the postgres user cannot enter', () => {
  const top = join(tmpdir(), `keelson-pg-access-${randomBytes(4).toString('hex')}`);
  const closed = join(top, 'closed');
  const stranger = { uid: 54_321, gid: 54_321 };
  beforeAll(() => {
    mkdirSync(join(closed, 'home'), { recursive: true });
    chmodSync(top, 0o755);
    chmodSync(closed, 0o700);
  });
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  it('is the one named: the first directory on the way a user without rights cannot pass', () => {
    expect(blockingDirectory(join(closed, 'home', 'postgres'), stranger)).toEqual({ dir: closed, mode: 0o700 });
    expect(blockingDirectory(join(top, 'open', 'postgres'), stranger)).toBeUndefined();
  });

  it('lets in its owner and its group by their own bits', () => {
    const owner = { uid: process.getuid!(), gid: 54_321 };
    expect(blockingDirectory(join(closed, 'home'), owner)).toBeUndefined();
    chmodSync(closed, 0o710);
    try {
      expect(blockingDirectory(join(closed, 'home'), { uid: 54_321, gid: process.getgid!() })).toBeUndefined();
    } finally {
      chmodSync(closed, 0o700);
    }
  });

  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot('refuses to start PostgreSQL there with a message that names it, and creates nothing', async () => {
    const dir = join(closed, 'home', 'postgres');
    const started = startEmbeddedPostgres({ dir, port: await freePort(), password: 'pw' });
    await expect(started).rejects.toThrow(`the 'postgres' user, and that user cannot enter ${closed} (mode 0700)`);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});
