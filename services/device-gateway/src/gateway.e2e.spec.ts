import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { connect as connectNats, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { connectAsync, type MqttClient } from 'mqtt';
import { gateway } from '@keelson/requests';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, parseDeviceMessage, type DesiredState, type DeviceEvent } from '@keelson/events';
import { sendRequest, createServiceApp, loadServiceConfig } from '@keelson/service-kit';
import { createTestDatabase, eventually, testNamespace, type TestDatabase } from '@keelson/testing';
import { gatewayAppModule } from './app.module.js';
import { assignment } from './test-fixtures/assignments.js';
import { startCalloutNats, type CalloutNats } from './test-fixtures/callout-nats.js';
import { csrFor, deviceKeys } from './test-fixtures/device-keys.js';
import { serveFakeSigner } from './test-fixtures/fake-signer.js';
import type { EnrollResponse } from './enrollment/enroll-request.js';

const naming = testNamespace();
const fleet = 'plant-7';

describe('the whole gateway: an enrolled device over MQTT says hello, gets its desired state, reports', () => {
  let broker: CalloutNats;
  let nc: NatsConnection;
  let testDb: TestDatabase;
  let app: INestApplication;
  let url: string;
  let dataDir: string;
  let signerSubs: Subscription[];
  const clients: MqttClient[] = [];

  const enroll = async (name: string): Promise<EnrollResponse> => {
    const { token } = await sendRequest(nc, naming, gateway.issueEnrollmentToken, { fleet });
    const res = await fetch(`${url}/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, csr: await csrFor(await deviceKeys()), name }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as EnrollResponse;
  };
  // As the agent does: attach the handler first, subscribe to the desired state, then say hello.
  const connectDevice = async (e: EnrollResponse, received: DesiredState[]) => {
    const client = await connectAsync(e.broker.mqttUrl, {
      clientId: e.broker.clientId,
      username: e.broker.username,
      password: e.broker.password,
      clean: false,
      reconnectPeriod: 0,
    });
    clients.push(client);
    client.on('message', (_topic, payload) => received.push(parseDeviceMessage(JSON.parse(payload.toString())) as DesiredState));
    await client.subscribeAsync(`${e.broker.topicRoot}/cmd/${e.deviceId}/desired`, { qos: 1 });
    return client;
  };
  const hello = (client: MqttClient, e: EnrollResponse, desiredGeneration: number) =>
    client.publishAsync(
      `${e.broker.topicRoot}/dev/${e.deviceId}/hello`,
      JSON.stringify({
        type: 'DeviceHello',
        schemaVersion: 1,
        data: { deviceId: e.deviceId, agentVersion: '0.1.0', installed: [], desiredGeneration },
      }),
      { qos: 1 },
    );
  const report = (client: MqttClient, e: EnrollResponse, deviceId: string, state: string) =>
    client.publishAsync(
      `${e.broker.topicRoot}/dev/${e.deviceId}/report`,
      JSON.stringify({
        type: 'DeviceReport',
        schemaVersion: 1,
        data: { deviceId, assignmentId: 'a-e2e', rolloutId: 'r-1', state, sentAt: new Date().toISOString() },
      }),
      { qos: 1 },
    );

  beforeAll(async () => {
    broker = await startCalloutNats();
    nc = await connectNats({ servers: broker.nats.url, user: broker.servicesUser, pass: broker.servicesPassword });
    testDb = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'keelson-gw-e2e-'));
    ({ subscriptions: signerSubs } = serveFakeSigner(nc, naming));
    const config = loadServiceConfig('device-gateway', {
      KEELSON_NATS_URL: broker.nats.url,
      KEELSON_NATS_USER: broker.servicesUser,
      KEELSON_NATS_PASSWORD: broker.servicesPassword,
      KEELSON_DATABASE_URL: testDb.url,
      KEELSON_DATA_DIR: dataDir,
      KEELSON_STREAM_PREFIX: naming.streamPrefix,
      KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
      KEELSON_MQTT_URL: broker.nats.mqttUrl,
      KEELSON_FACADE_URL: 'http://127.0.0.1:9/facade',
      KEELSON_AUTH_CALLOUT_SEED: broker.issuerSeed,
      KEELSON_NATS_SYSTEM_USER: broker.systemUser,
      KEELSON_NATS_SYSTEM_PASSWORD: broker.systemPassword,
    });
    app = await createServiceApp(gatewayAppModule(config), config);
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    for (const c of clients) await c.endAsync().catch(() => undefined);
    await app?.close();
    await Promise.all((signerSubs ?? []).map((s) => s.drain()));
    await nc?.close();
    await testDb?.drop();
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a hello that is not up to date, pushes each assignment, turns reports into events, leaves an up-to-date hello unanswered; another device’s id changes nothing', async () => {
    const [a, b] = [await enroll('cam-a'), await enroll('cam-b')];
    const receivedA: DesiredState[] = [];
    const clientA = await connectDevice(a, receivedA);
    await hello(clientA, a, 2); // a device restored with a newer journal than the platform's: told generation 0
    await eventually(() => receivedA.length === 1);
    expect(receivedA[0]!.data).toEqual({ deviceId: a.deviceId, generation: 0, assignments: [] });

    await sendRequest(nc, naming, gateway.assignDevice, { fleet, deviceId: a.deviceId, assignment: assignment('a-e2e') });
    await sendRequest(nc, naming, gateway.assignDevice, { fleet, deviceId: b.deviceId, assignment: assignment('a-e2e') });
    await eventually(() => receivedA.some((d) => d.data.generation === 1));
    expect(receivedA.at(-1)!.data.assignments).toEqual([assignment('a-e2e')]);

    await report(clientA, a, b.deviceId, 'failed'); // A speaks for B on its own topic
    await report(clientA, a, a.deviceId, 'healthy');
    const devices = new EventStore<DeviceEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
    const eventsOf = async (deviceId: string) =>
      (await devices.load(devices.subject('device', fleet, deviceId))).events.map((r) => r.event);
    await eventually(async () => (await eventsOf(a.deviceId)).some((e) => e.type === 'DeviceReportedProgress'));
    expect((await eventsOf(a.deviceId)).filter((e) => e.type === 'DeviceReportedProgress').map((e) => e.data)).toEqual([
      expect.objectContaining({ deviceId: a.deviceId, assignmentId: 'a-e2e', state: 'healthy' }),
    ]);
    expect((await eventsOf(b.deviceId)).map((e) => e.type)).toEqual(['DeviceEnrolled', 'DesiredStateChanged']);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/keelson_device_messages_dropped_total\{reason="device-mismatch"\} [1-9]/);

    // Applied generation 1 and its outcome is on record: the hello is handled, and nothing is sent.
    await hello(clientA, a, 1);
    const counter = async (pattern: RegExp) => Number(pattern.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? 0);
    await eventually(async () => (await counter(/keelson_device_messages_handled_total\{type="hello"\} (\d+)/)) === 2);
    expect(await counter(/keelson_desired_states_sent_total\{cause="hello"\} (\d+)/)).toBe(1);
    expect(receivedA.map((d) => d.data.generation)).toEqual([0, 1]);

    // Kicking devices and asking who is connected share one connection of the system account.
    const connz = (await (await fetch(`${broker.nats.monitorUrl}/connz?acc=SYS&limit=1000`)).json()) as {
      connections?: { name?: string }[];
    };
    expect((connz.connections ?? []).map((c) => c.name).filter((n) => n?.startsWith('device-gateway'))).toEqual(['device-gateway-system']);
  });
});
