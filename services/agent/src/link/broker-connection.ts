import type { ConnectionOptions } from 'node:tls';
import { connect, type MqttClient } from 'mqtt';
import type { DeviceIdentity } from '../enrollment/device-identity.js';
import { brokerServers } from './broker-servers.js';
import { caSecureContext } from './ca-context.js';

/** The reconnect back-off: from the first retry to the longest wait, doubled after each refusal. */
export const [minBackoffMs, maxBackoffMs] = [1_000, 30_000];

/**
 * Dials the broker as this device: a persistent session (clean: false) whose client id is the
 * device id, over every node of the broker, pinned to the platform CA when one is given.
 */
export function connectToBroker(broker: DeviceIdentity['broker'], options: { keepaliveSeconds: number; platformCa?: string }): MqttClient {
  // The process's one context for the platform CA (ca-context.ts), not one per connection and reconnection.
  // mqtt.js hands its options to tls.connect as they are; its types just do not list secureContext.
  const tls: Pick<ConnectionOptions, 'secureContext' | 'rejectUnauthorized'> = options.platformCa
    ? { secureContext: caSecureContext(options.platformCa), rejectUnauthorized: true }
    : {};
  // Every node of the broker: mqtt.js dials the next one on each reconnect. Each device starts at a
  // node of its own choosing, so that a fleet spreads over the cluster instead of crowding the first.
  const listed = brokerServers(broker.mqttUrl);
  const first = Math.floor(Math.random() * listed.length);
  const servers = [...listed.slice(first), ...listed.slice(0, first)];
  const client = connect({
    servers,
    host: servers[0]!.host,
    port: servers[0]!.port,
    protocol: servers[0]!.protocol,
    clientId: broker.clientId,
    username: broker.username,
    password: broker.password,
    clean: false,
    reconnectPeriod: minBackoffMs,
    connectTimeout: 10_000,
    protocolVersion: 4,
    keepalive: options.keepaliveSeconds,
    // A refusal right after a broker restart (its auth callout not back yet) is not final: keep trying, backing off.
    reconnectOnConnackError: true,
    // No table of 65,536 pre-made two-byte Buffers (mqtt-packet's number cache, ~6.5 MiB of heap for good):
    // the agent writes a few packets a minute, each makes its own (bench/README.md, agent-footprint).
    writeCache: false,
    ...tls,
  });
  return client;
}
