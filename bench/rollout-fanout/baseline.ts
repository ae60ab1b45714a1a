import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import mqtt from 'mqtt';

export interface BaselineInput {
  natsUrl: string;
  mqttUrl: string;
  /** The platform CA, for an mqtts:// URL. */
  ca?: string;
  user: string;
  password: string;
  /** Messages to push: as many as the devices sent during the rollout. */
  messages: number;
  /** MQTT connections to spread them over (one per simulated device, capped). */
  connections: number;
  payloadBytes: number;
}

export interface BaselineResult {
  messages: number;
  seconds: number;
  perSecond: number;
}

/**
 * The broker with no Keelson logic: MQTT QoS 1 publishes from many connections into a JetStream
 * stream, timed until the stream holds them all — the floor any device-report path stands on.
 */
export async function measureBrokerBaseline(input: BaselineInput): Promise<BaselineResult> {
  const nc = await connectNats({ servers: input.natsUrl, user: input.user, pass: input.password });
  const jsm = await jetstreamManager(nc);
  const stream = `BENCH_BASELINE_${Date.now()}`;
  await jsm.streams.add({ name: stream, subjects: [`bench.${stream.toLowerCase()}.>`] });
  const clients = await Promise.all(
    Array.from({ length: input.connections }, (_, i) =>
      mqtt.connectAsync(input.mqttUrl, {
        clientId: `bench-${i}-${Date.now()}`,
        username: input.user,
        password: input.password,
        clean: true,
        reconnectPeriod: 0,
        ...(input.ca ? { ca: input.ca } : {}),
      }),
    ),
  );
  const payload = JSON.stringify({
    type: 'DeviceReport',
    schemaVersion: 1,
    data: { pad: 'x'.repeat(Math.max(0, input.payloadBytes - 60)) },
  });
  const started = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (client, i) => {
      for (let n = i; n < input.messages; n += clients.length) {
        await client.publishAsync(`bench/${stream.toLowerCase()}/${i}/report`, payload, { qos: 1 });
      }
    }),
  );
  for (;;) {
    const info = await jsm.streams.info(stream);
    if (info.state.messages >= input.messages) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all(clients.map((c) => c.endAsync()));
  await jsm.streams.delete(stream);
  await nc.close();
  return { messages: input.messages, seconds, perSecond: input.messages / seconds };
}
