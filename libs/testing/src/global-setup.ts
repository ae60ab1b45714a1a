import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startEmbeddedPostgres, startNatsServer } from '@keelson/local-infra';
import { exportTestEnv } from './test-env.js';
import { cleanStaleRuns, runDirName } from './stale-runs.js';
import { setHarness } from './harness-state.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

// provision.mjs is idempotent: it prints the pinned binary's path, downloading it only if missing.
function natsBinary(): string {
  const out = execFileSync(process.execPath, [join(repoRoot, 'deploy', 'local', 'provision.mjs'), '--print'], { encoding: 'utf8' });
  return out.trim().split('\n').at(-1) ?? '';
}

/** Starts one nats-server and one PostgreSQL for the whole Jest run (integration project). */
export default async function globalSetup(): Promise<void> {
  await cleanStaleRuns();
  const runId = randomBytes(4).toString('hex');
  const dir = join(tmpdir(), runDirName(runId));
  mkdirSync(dir, { recursive: true, mode: 0o755 }); // postgres runs as its own user and must traverse it
  const binary = natsBinary();
  const natsUser = 'keelson-test';
  const natsPass = randomBytes(16).toString('hex');
  const natsSystem = { user: 'keelson-sys', password: randomBytes(16).toString('hex') };
  const [port, mqttPort, monitorPort] = [await freePort(), await freePort(), await freePort()];
  const nats = await startNatsServer({
    binary,
    dir: join(dir, 'nats'),
    serverName: `keelson-test-${runId}`,
    host: '127.0.0.1',
    port,
    mqttPort,
    monitorPort,
    users: [{ user: natsUser, password: natsPass }],
    systemUser: natsSystem,
  });
  const external = process.env.DATABASE_URL;
  // The run's own PostgreSQL is thrown away with the run and never killed: it skips the disk flushes
  // that make a committed row survive a power cut (a commit costs an fsync otherwise; the suite makes
  // tens of thousands). Services are still killed and restarted against it, which is what specs prove.
  const pg = external
    ? undefined
    : await startEmbeddedPostgres({
        dir: join(dir, 'pg'),
        port: await freePort(),
        password: randomBytes(16).toString('hex'),
        postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      });
  const pgAdminUrl = external ?? pg!.adminUrl;
  exportTestEnv({
    runId,
    natsUrl: nats.url,
    natsUser,
    natsPass,
    natsSystemUser: natsSystem.user,
    natsSystemPass: natsSystem.password,
    mqttUrl: nats.mqttUrl,
    pgAdminUrl,
    natsBinary: binary,
  });
  setHarness({ dir, runId, nats, pg, pgAdminUrl });
}
