import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ensureDatabase,
  freePort,
  generatePlatformSecrets,
  platformServices,
  serviceDatabaseName,
  startEmbeddedPostgres,
  startPlatform,
  type PlatformService,
  type RunningPlatform,
  type RunningPostgres,
} from '@keelson/local-infra';

/** The repository root, whether this runs compiled (bench/dist/rollout-fanout) or from source. */
export const repoRoot = ((): string => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'deploy', 'local', 'provision.mjs'))) return dir;
  }
  throw new Error('bench: cannot find the repository root (deploy/local/provision.mjs) above this file');
})();

/** The whole local stack in a throwaway home: embedded PostgreSQL (one database per service), nats-server, six services. */
export interface BenchPlatform {
  platform: RunningPlatform;
  home: string;
  adminToken: string;
  servicesUser: { user: string; password: string };
  postgresDataDir: string;
  /** The `postgres` maintenance database, as the cluster's superuser. */
  postgresAdminUrl: string;
  destroy(): Promise<void>;
}

export interface BenchPlatformOptions {
  /** Extra environment per service (the profiler's preload). */
  serviceEnv?: (service: PlatformService) => NodeJS.ProcessEnv;
  /** Extra PostgreSQL server flags (`pg_stat_statements`). */
  postgresFlags?: string[];
  /** The services' V8 semi-space in MiB (`--semi-space-mib`); undefined: the stack's own. */
  semiSpaceMiB?: number;
  /** The services' old-generation growth between full collections in percent (`--heap-growing-percent`); undefined: the stack's own. */
  heapGrowingPercent?: number;
}

async function natsBinary(): Promise<string> {
  // provision.mjs is plain JavaScript without types: load it by URL and say what we use of it.
  const provision = (await import(pathToFileURL(join(repoRoot, 'deploy', 'local', 'provision.mjs')).href)) as {
    ensureNatsServer(): Promise<string>;
  };
  return provision.ensureNatsServer();
}

export async function startBenchPlatform(options: BenchPlatformOptions = {}): Promise<BenchPlatform> {
  const home = mkdtempSync(join(tmpdir(), 'keelson-bench-'));
  chmodSync(home, 0o755); // as root, PostgreSQL runs as the `postgres` user and must reach its data dir
  const secrets = generatePlatformSecrets();
  let pg: RunningPostgres | undefined;
  let platform: RunningPlatform | undefined;
  const destroy = async () => {
    await platform?.stop().catch((err: unknown) => console.error('bench: stopping the services failed:', err));
    await pg?.stop().catch((err: unknown) => console.error('bench: stopping postgres failed:', err));
    rmSync(home, { recursive: true, force: true });
  };
  try {
    pg = await startEmbeddedPostgres({
      dir: join(home, 'postgres'),
      port: await freePort(),
      password: randomBytes(18).toString('base64url'),
      postgresFlags: options.postgresFlags ?? [],
    });
    const adminUrl = pg.adminUrl;
    const env = Object.fromEntries(platformServices.map((s) => [s, options.serviceEnv?.(s) ?? {}]));
    platform = await startPlatform({
      // TLS as `npm start` runs it: the facade serves devices only over mutual TLS (their certificates).
      repoRoot,
      home,
      natsBinary: await natsBinary(),
      secrets,
      serviceEnv: env,
      tls: true,
      natsProfiling: true, // its Go heap, for the memory figures
      ...(options.semiSpaceMiB !== undefined ? { serviceSemiSpaceMiB: options.semiSpaceMiB } : {}),
      ...(options.heapGrowingPercent !== undefined ? { serviceHeapGrowingPercent: options.heapGrowingPercent } : {}),
      diagnosticsUser: true, // the unrestricted `keelson-services` user: stream counts, consumer backlogs, the baseline
      databaseUrl: (service) => ensureDatabase(adminUrl, serviceDatabaseName(service)),
    });
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    platform,
    home,
    destroy,
    adminToken: secrets.adminToken,
    // startPlatform's diagnostics user: it bypasses the device auth callout, so the baseline can use it over MQTT too.
    servicesUser: { user: 'keelson-services', password: secrets.natsServicesPassword },
    postgresDataDir: join(home, 'postgres', 'data'),
    postgresAdminUrl: pg.adminUrl,
  };
}
