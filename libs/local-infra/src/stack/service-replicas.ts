import { freePort } from '../free-port.js';
import type { RunningService } from './launch-service.js';
import { platformServices, type PlatformService } from './platform-services.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** Starts process number `replica` of a service on `port`, with `env` on top of its usual environment. */
export type LaunchReplica = (service: PlatformService, replica: number, port: number, env?: NodeJS.ProcessEnv) => Promise<RunningService>;

/** The processes of every service; with several, each keeps its own port across restarts behind the service's address. */
export interface ServiceReplicas {
  /** Every process started with the set, by replica number; a restarted one takes its slot. */
  all: Partial<Record<PlatformService, RunningService[]>>;
  /** Starts `count` processes of the service (and the proxy on its address when more than one). */
  start(service: PlatformService): Promise<void>;
  restart(service: PlatformService, replica: number, env?: NodeJS.ProcessEnv): Promise<RunningService>;
  /** One more process beside the set, on a port of its own, `env` on top of its usual environment; the caller stops it. */
  startExtra(service: PlatformService, env?: NodeJS.ProcessEnv): Promise<RunningService>;
  stop(): Promise<void>;
}

/**
 * `count` processes per service. One listens on the service's own port, as `npm start` runs it; more
 * than one listen on ports of their own behind a TCP proxy on the service's port, as replicas sit
 * behind a Kubernetes Service, so that devices and other services reach whichever one is alive.
 */
export function serviceReplicas(
  count: number,
  addressOf: (service: PlatformService) => { host: string; port: number },
  launch: LaunchReplica,
): ServiceReplicas {
  if (!Number.isInteger(count) || count < 1) throw new Error(`serviceReplicas must be a positive whole number, got ${count}`);
  const all: ServiceReplicas['all'] = {};
  const ports: Partial<Record<PlatformService, number[]>> = {};
  const proxies: TcpProxy[] = [];
  let extra = count - 1;
  return {
    all,
    async start(service) {
      const { host, port } = addressOf(service);
      ports[service] = count === 1 ? [port] : await Promise.all(Array.from({ length: count }, () => freePort()));
      if (count > 1) proxies.push(await startTcpProxy(host, port, ports[service]));
      all[service] = [];
      for (let i = 0; i < count; i++) all[service].push(await launch(service, i, ports[service][i]!));
    },
    async restart(service, replica, env) {
      const port = ports[service]?.[replica];
      if (port === undefined) throw new Error(`${service} has no replica ${replica}`);
      const started = await launch(service, replica, port, env);
      all[service]![replica] = started;
      return started;
    },
    startExtra: async (service, env) => launch(service, ++extra, await freePort(), env),
    async stop() {
      // Side by side, like their start: each drains on its own, none waits for another.
      await Promise.all(platformServices.flatMap((s) => (all[s] ?? []).map((r) => r.stop())));
      await Promise.all(proxies.map((p) => p.close()));
    },
  };
}
