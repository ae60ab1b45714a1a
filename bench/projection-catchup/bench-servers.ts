import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  ensureDatabase,
  freePort,
  startEmbeddedPostgres,
  startNatsServer,
  type RunningNats,
  type RunningPostgres,
} from '@keelson/local-infra';

/** One nats-server and one PostgreSQL of the bench's own, in a temporary directory removed by `stop`. */
export interface BenchServers {
  connect(name: string): Promise<NatsConnection>;
  /** Creates the database `name` and returns its URL. */
  database(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startBenchServers(repoRoot: string): Promise<BenchServers> {
  const home = mkdtempSync(join(tmpdir(), 'keelson-bench-catchup-'));
  chmodSync(home, 0o755); // postgres runs as its own user and must traverse it
  const provision = resolve(repoRoot, 'deploy', 'local', 'provision.mjs');
  const binary = execFileSync(process.execPath, [provision, '--print'], { encoding: 'utf8' }).trim().split('\n').at(-1) ?? '';
  const user = { user: 'bench', password: randomBytes(16).toString('hex') };
  let nats: RunningNats | undefined;
  let pg: RunningPostgres | undefined;
  try {
    const [port, mqttPort, monitorPort] = [await freePort(), await freePort(), await freePort()];
    nats = await startNatsServer({
      binary,
      dir: join(home, 'nats'),
      serverName: 'keelson-bench-catchup',
      host: '127.0.0.1',
      port,
      mqttPort,
      monitorPort,
      users: [user],
      systemUser: { user: 'bench-sys', password: randomBytes(16).toString('hex') },
    });
    pg = await startEmbeddedPostgres({ dir: join(home, 'pg'), port: await freePort(), password: randomBytes(16).toString('hex') });
  } catch (err) {
    await nats?.stop();
    rmSync(home, { recursive: true, force: true });
    throw err;
  }
  const [runningNats, runningPg] = [nats, pg];
  return {
    connect: (name) => connect({ servers: runningNats.url, user: user.user, pass: user.password, name }),
    database: (name) => ensureDatabase(runningPg.adminUrl, name),
    async stop() {
      await runningNats.stop();
      await runningPg.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
