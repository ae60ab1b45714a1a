import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { startNatsServer, type RunningNats, type StartNatsOptions } from './nats-server.js';

/** Several nats-servers joined by routes on loopback, with JetStream and MQTT on every node. */
export interface RunningNatsCluster {
  /** The nodes, in start order; a killed node stays in its slot until `restart`. */
  nodes: RunningNats[];
  /** Client URLs of every node: services connect with the whole list and move to a survivor. */
  urls: string[];
  /** MQTT URLs of every node, for devices. */
  mqttUrls: string[];
  /** Starts node `index` again (after `kill()` or `stop()` on it), with its store and ports. */
  restart(index: number): Promise<RunningNats>;
  stop(): Promise<void>;
}

export interface StartNatsClusterOptions extends Omit<
  StartNatsOptions,
  'dir' | 'serverName' | 'port' | 'mqttPort' | 'monitorPort' | 'profPort' | 'cluster'
> {
  /** Node `i` keeps its config, store and log under `<dir>/node-<i>`. */
  dir: string;
  /** How many nodes; 3 tolerates the loss of one with R3 streams. */
  nodes: number;
  /** Cluster name; node names are `<name>-<i>`. */
  name: string;
}

/** Waits until the node reports itself healthy, JetStream meta leader and all (the full `/healthz`). */
async function waitClusterHealthy(node: RunningNats, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${node.monitorUrl}/healthz`);
      if (res.ok) return;
      last = await res.text();
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nats node ${node.monitorUrl} not healthy in its cluster after ${timeoutMs} ms: ${last}`);
}

/** Starts `nodes` nats-servers on free loopback ports as one cluster and waits until JetStream is up on each. */
export async function startNatsCluster(options: StartNatsClusterOptions): Promise<RunningNatsCluster> {
  const { dir, nodes: count, name, readyTimeoutMs = 30_000, ...common } = options;
  if (!Number.isInteger(count) || count < 2) throw new Error(`a cluster needs at least two nodes, got ${count}`);
  const ports = await Promise.all(
    Array.from({ length: count }, async () => ({
      port: await freePort(),
      mqttPort: await freePort(),
      monitorPort: await freePort(),
      routePort: await freePort(),
    })),
  );
  const routes = ports.map((p) => `nats-route://${common.host}:${p.routePort}`);
  const routeUser = { user: 'keelson-route', password: randomBytes(18).toString('base64url') };
  const optionsOf = (i: number): StartNatsOptions => ({
    ...common,
    readyTimeoutMs,
    dir: join(dir, `node-${i}`),
    serverName: `${name}-${i}`,
    port: ports[i]!.port,
    mqttPort: ports[i]!.mqttPort,
    monitorPort: ports[i]!.monitorPort,
    cluster: { name, port: ports[i]!.routePort, routes, routeUser, mqttStreamReplicas: Math.min(count, 3) },
  });
  const started = await Promise.allSettled(ports.map((_, i) => startNatsServer(optionsOf(i))));
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  try {
    if (failed) throw failed.reason;
    await Promise.all(nodes.map((n) => waitClusterHealthy(n, readyTimeoutMs)));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes,
    urls: nodes.map((n) => n.url),
    mqttUrls: nodes.map((n) => n.mqttUrl),
    restart: async (index) => {
      const node = await startNatsServer(optionsOf(index));
      nodes[index] = node;
      await waitClusterHealthy(node, readyTimeoutMs);
      return node;
    },
    stop,
  };
}
