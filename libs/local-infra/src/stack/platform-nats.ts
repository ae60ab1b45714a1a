import { join } from 'node:path';
import { freePort } from '../free-port.js';
import { startNatsCluster, type RunningNatsCluster } from '../nats-cluster.js';
import { startNatsServer, type RunningNats, type StartNatsOptions } from '../nats-server.js';

/** The platform's broker: one nats-server (`npm start`) or a cluster, and what services and devices dial. */
export interface PlatformNats {
  /** The single node, or the cluster's first node as it was started. */
  nats: RunningNats;
  cluster?: RunningNatsCluster;
  /** `KEELSON_NATS_URL`: every node, comma-separated. */
  natsUrl: string;
  /** `KEELSON_MQTT_URL` as the gateway hands it to devices: every node, comma-separated. */
  mqttUrl: string;
  /** JetStream replicas of every stream the services create: 3 in a cluster of three or more. */
  streamReplicas: number;
  stop(): Promise<void>;
}

export interface PlatformNatsOptions extends Omit<
  StartNatsOptions,
  'port' | 'mqttPort' | 'monitorPort' | 'profPort' | 'serverName' | 'cluster'
> {
  /** 1 for a single node on `ports`; more for a cluster on free loopback ports. */
  nodes: number;
  ports?: { nats: number; mqtt: number; natsMonitor: number };
  profiling?: boolean;
}

/** Starts the platform's nats-server, or its cluster of `nodes` with R3 streams and MQTT on every node. */
export async function startPlatformNats(options: PlatformNatsOptions): Promise<PlatformNats> {
  const { nodes, ports, profiling, dir, ...common } = options;
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`natsNodes must be a positive whole number, got ${nodes}`);
  if (nodes === 1) {
    const nats = await startNatsServer({
      ...common,
      dir,
      serverName: 'keelson-local',
      port: ports?.nats ?? (await freePort()),
      mqttPort: ports?.mqtt ?? (await freePort()),
      monitorPort: ports?.natsMonitor ?? (await freePort()),
      ...(profiling ? { profPort: await freePort() } : {}),
    });
    return { nats, natsUrl: nats.url, mqttUrl: nats.mqttUrl, streamReplicas: 1, stop: () => nats.stop() };
  }
  // A cluster picks its own ports: fixed ones are `npm start`'s, which stays a single node.
  if (ports) throw new Error('a NATS cluster runs on free ports: give natsNodes > 1 without fixed ports');
  if (profiling) throw new Error('NATS profiling is for a single node');
  const cluster = await startNatsCluster({ ...common, dir: join(dir, 'cluster'), nodes, name: 'keelson' });
  return {
    nats: cluster.nodes[0]!,
    cluster,
    natsUrl: cluster.urls.join(','),
    mqttUrl: cluster.mqttUrls.join(','),
    streamReplicas: Math.min(nodes, 3),
    stop: () => cluster.stop(),
  };
}
