import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { deviceFetch } from './device-https.js';
import type { TestPlatform } from './test-platform.js';

interface BrokerCredentials {
  mqttUrl: string;
  clientId: string;
  username: string;
  password: string;
  topicRoot: string;
}

/**
 * A device's own broker credentials in someone else's hands: connects exactly as the agent would
 * (read from the agent's data dir, trusting the platform CA it pinned for mqtts://), so a spec can
 * publish what a compromised device could.
 */
export async function connectAs(agentDataDir: string): Promise<{ client: MqttClient; topicRoot: string; deviceId: string }> {
  const broker = JSON.parse(readFileSync(join(agentDataDir, 'identity', 'broker.json'), 'utf8')) as BrokerCredentials;
  const ca = broker.mqttUrl.startsWith('mqtts:') ? readFileSync(join(agentDataDir, 'identity', 'platform-ca.pem'), 'utf8') : undefined;
  const client = await mqtt.connectAsync(broker.mqttUrl, {
    clientId: broker.clientId,
    username: broker.username,
    password: broker.password,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    ...(ca ? { ca } : {}),
  });
  return { client, topicRoot: broker.topicRoot, deviceId: broker.clientId };
}

/** The gateway's count of device messages it dropped, by reason, from its /metrics. */
export async function droppedMessages(platform: TestPlatform): Promise<Record<string, number>> {
  const text = await (await deviceFetch(platform, `${platform.gatewayUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^keelson_device_messages_dropped_total\{[^}]*reason="([^"]+)"[^}]*\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

/** The broker's refusals of device connections so far, by reason, from the gateway's metrics (its auth callout decides). */
export async function brokerRefusals(platform: TestPlatform): Promise<Record<string, number>> {
  const text = await (await deviceFetch(platform, `${platform.gatewayUrl}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^keelson_broker_auth_decisions_total\{([^}]*)\} (\d+)/gm)) {
    const reason = /reason="([^"]+)"/.exec(m[1]!)?.[1];
    if (reason && m[1]!.includes('outcome="refused"')) out[reason] = Number(m[2]);
  }
  return out;
}
