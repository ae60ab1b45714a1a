import { join } from 'node:path';
import { fromSeed } from '@nats-io/nkeys';
import { freePort } from '../free-port.js';
import type { RunningNatsCluster } from '../nats-cluster.js';
import type { RunningNats } from '../nats-server.js';
import { ensureLocalTls, type LocalTls } from '../tls/local-tls.js';
import { launchService, type RunningService } from './launch-service.js';
import { natsEnvironment, semiSpaceMiBOf, serviceNodeArgs } from './memory-settings.js';
import { startPlatformNats } from './platform-nats.js';
import { platformServices, type PlatformSecrets, type PlatformService } from './platform-services.js';
import { serviceEnvironment } from './service-environment.js';
import { gatewaySystemUser, serviceNatsUsers } from './service-permissions.js';
import { serviceReplicas } from './service-replicas.js';

export interface PlatformOptions {
  repoRoot: string;
  /** Data of the installation: `<home>/nats`, `<home>/<service>`, `<home>/logs`. */
  home: string;
  natsBinary: string;
  /** Fixed ports (npm start) or undefined for free ones (tests). */
  ports?: Record<'api' | 'nats' | 'mqtt' | 'natsMonitor' | PlatformService, number>;
  secrets: PlatformSecrets;
  /** Creates (if needed) and returns the database URL of one service. */
  databaseUrl(service: PlatformService): Promise<string>;
  /** Which services to start; defaults to all. */
  services?: readonly PlatformService[];
  naming?: { streamPrefix: string; subjectPrefix: string };
  /** Extra environment per service (limits, expiries), on top of what every service gets. */
  serviceEnv?: Partial<Record<PlatformService, NodeJS.ProcessEnv>>;
  /** Also create the unrestricted `keelson-services` NATS user (benches, debugging); off by default. */
  diagnosticsUser?: boolean;
  /**
   * TLS towards devices: MQTT (mqtts://), the gateway's enrollment and the facade (https://), with a
   * local CA made once under `<home>/tls`. The operators' api stays plain HTTP on loopback.
   */
  tls?: boolean;
  /** Open nats-server's Go profiling port on loopback (benches: the heap in text); off by default. */
  natsProfiling?: boolean;
  /** Each V8 semi-space of every service, in MiB (by default each service's `semiSpaceMiBOf`; 0: V8's own choice). */
  serviceSemiSpaceMiB?: number;
  /** How far every service's old generation grows between full collections, in percent (by default `serviceHeapGrowingPercent`; 0: V8's own). */
  serviceHeapGrowingPercent?: number;
  /** Runs every service from this image (deploy/container) with podman instead of as a host process. */
  serviceImage?: string;
  /** nats-servers, as one cluster on free loopback ports with R3 streams when more than one; default 1 (`npm start`). */
  natsNodes?: number;
  /** Processes of every service, started in turn; default 1. More than one keeps the facade's blobs in NATS. */
  serviceReplicas?: number;
}

/** A running installation: NATS plus the services, with the addresses operators and devices use. */
export interface RunningPlatform {
  /** The single nats-server, or the cluster's first node as started. */
  nats: RunningNats;
  /** With `natsNodes` > 1: every node, to kill and restart one. */
  natsCluster?: RunningNatsCluster;
  /** Every process of every service started with the platform (`serviceReplicas`); `services` holds the first of each. */
  replicas: Partial<Record<PlatformService, RunningService[]>>;
  services: Partial<Record<PlatformService, RunningService>>;
  apiUrl: string;
  facadeUrl: string;
  gatewayUrl: string;
  /** The local CA devices trust, when the platform runs with `tls`. */
  tls?: LocalTls;
  /** Starts one service again (after `stop()` or `kill()` on it), with `env` on top of its usual environment. */
  restart(service: PlatformService, env?: NodeJS.ProcessEnv): Promise<RunningService>;
  /** Starts replica `replica` of a service again (after `stop()` or `kill()` on it), on its own port. */
  restartReplica(service: PlatformService, replica: number, env?: NodeJS.ProcessEnv): Promise<RunningService>;
  /**
   * Starts one more process of a service beside the running one (its own HTTP port and log, the same
   * NATS user and database): services are meant to run as several replicas, `env` on top of the
   * usual environment. The caller stops it.
   */
  startReplica(service: PlatformService, env?: NodeJS.ProcessEnv): Promise<RunningService>;
  stop(): Promise<void>;
}

const diagnosticsUser = 'keelson-services';

async function portsOrFree(options: PlatformOptions): Promise<NonNullable<PlatformOptions['ports']>> {
  if (options.ports) return options.ports;
  const names = ['api', 'nats', 'mqtt', 'natsMonitor', ...platformServices.filter((s) => s !== 'api')] as const;
  const entries = await Promise.all(names.map(async (n) => [n, await freePort()] as const));
  return Object.fromEntries(entries) as NonNullable<PlatformOptions['ports']>;
}

/** Starts nats-server (JetStream, MQTT, auth callout for devices) and then every service, in order. */
export async function startPlatform(options: PlatformOptions): Promise<RunningPlatform> {
  const { home, secrets, repoRoot } = options;
  const ports = await portsOrFree(options);
  const naming = options.naming ?? { streamPrefix: '', subjectPrefix: '' };
  const tls = options.tls ? await ensureLocalTls(join(home, 'tls')) : undefined;
  const issuer = fromSeed(new TextEncoder().encode(secrets.authCalloutSeed));
  // Every service logs in as itself with least privilege; all of them bypass the device auth callout.
  const users = serviceNatsUsers(platformServices, secrets.natsServicePasswords ?? {}, naming);
  if (options.diagnosticsUser) users.push({ user: diagnosticsUser, password: secrets.natsServicesPassword });
  const replicaCount = options.serviceReplicas ?? 1;
  // Refused before anything starts: bad input leaves nothing running.
  if (!Number.isInteger(replicaCount) || replicaCount < 1)
    throw new Error(`serviceReplicas must be a positive whole number, got ${replicaCount}`);
  const broker = await startPlatformNats({
    binary: options.natsBinary,
    dir: join(home, 'nats'),
    host: '127.0.0.1',
    nodes: options.natsNodes ?? 1,
    ...(options.ports ? { ports } : {}),
    profiling: options.natsProfiling ?? false,
    env: natsEnvironment(),
    ...(tls ? { mqttTls: { certFile: tls.certFile, keyFile: tls.keyFile } } : {}),
    users,
    systemUser: { user: 'keelson-system', password: secrets.natsSystemPassword },
    systemUsers: [gatewaySystemUser(secrets.natsGatewaySystemPassword)],
    authCallout: { issuerPublicKey: issuer.getPublicKey(), authUsers: users.map((u) => u.user) },
  });
  const url = (port: number, scheme = 'http') => `${scheme}://127.0.0.1:${port}`;
  const deviceFacing = tls ? 'https' : 'http';
  const facadeUrl = url(ports['registry-facade'], deviceFacing);
  const gatewayUrl = url(ports['device-gateway'], deviceFacing);
  const envOf = serviceEnvironment({ options, ports, naming, broker, tls, facadeUrl, gatewayUrl, replicaCount });
  const replicas = serviceReplicas(
    replicaCount,
    (service) => ({ host: '127.0.0.1', port: ports[service] }),
    async (service, replica, port, env = {}) =>
      launchService({
        name: service,
        entry: join(repoRoot, 'services', service, 'dist', 'main.js'),
        env: { ...(await envOf(service)), KEELSON_HTTP_PORT: String(port), ...env },
        logFile: join(home, 'logs', replica ? `${service}-${replica}.log` : `${service}.log`),
        nodeArgs: serviceNodeArgs(options.serviceSemiSpaceMiB ?? semiSpaceMiBOf(service), options.serviceHeapGrowingPercent),
        ...(options.serviceImage ? { container: { image: options.serviceImage, home } } : {}),
      }),
  );

  const services: RunningPlatform['services'] = {};
  const stopAll = async (): Promise<void> => {
    await replicas.stop();
    await broker.stop();
  };
  // The services start side by side: none needs another to start (they meet on NATS), and a start is
  // mostly Node loading modules, which two cores do in half the time of one after the other.
  const wanted = options.services ?? platformServices;
  const started = await Promise.allSettled(wanted.map((service) => replicas.start(service)));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  for (const service of wanted) services[service] = replicas.all[service]![0]!;
  return {
    nats: broker.nats,
    ...(broker.cluster ? { natsCluster: broker.cluster } : {}),
    replicas: replicas.all,
    services,
    apiUrl: url(ports.api),
    facadeUrl,
    gatewayUrl,
    ...(tls ? { tls } : {}),
    restart: async (service, env) => (services[service] = await replicas.restart(service, 0, env)),
    restartReplica: async (service, replica, env) => {
      const started = await replicas.restart(service, replica, env);
      if (replica === 0) services[service] = started;
      return started;
    },
    startReplica: (service, env) => replicas.startExtra(service, env),
    stop: stopAll,
  };
}
