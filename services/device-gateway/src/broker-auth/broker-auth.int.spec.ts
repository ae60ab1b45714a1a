import { connect as connectNats, type NatsConnection } from '@nats-io/transport-node';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { systemClock } from '@keelson/service-kit';
import { createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import { credentialsMigrations } from '../credentials/credentials.migrations.js';
import { DeviceCredentialsStore } from '../credentials/device-credentials.store.js';
import { mintDevicePassword } from '../credentials/device-password.js';
import { startCalloutNats, type CalloutNats } from '../test-fixtures/callout-nats.js';
import { AuthCalloutResponder } from './auth-callout.responder.js';
import { brokerAuthDecisions } from './broker-auth.metrics.js';
import { NkeyJwtSigner } from './nkey-jwt.js';

const naming = testNamespace();
const root = `${naming.subjectPrefix.replace(/\./g, '/')}keelson`;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('broker auth callout against a dedicated nats-server', () => {
  let broker: CalloutNats;
  let nc: NatsConnection;
  let testDb: TestDatabase;
  let db: Database;
  let responder: AuthCalloutResponder;
  const passwords: Record<string, string> = {};
  const clients: MqttClient[] = [];

  const device = (clientId: string, username: string, password: string, extra: IClientOptions = {}) =>
    connectAsync(broker.nats.mqttUrl, {
      clientId,
      username,
      password,
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      ...extra,
    }).then((c) => {
      clients.push(c);
      return c;
    });
  const refusal = (clientId: string, username: string, password: string) =>
    device(clientId, username, password).then(
      () => 'connected',
      (e: Error) => e.message,
    );
  const refusedCount = async (reason: string) =>
    (await brokerAuthDecisions().get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

  beforeAll(async () => {
    broker = await startCalloutNats();
    nc = await connectNats({ servers: broker.nats.url, user: broker.servicesUser, pass: broker.servicesPassword });
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
    await migrate(db, credentialsMigrations);
    const credentials = new DeviceCredentialsStore(db);
    for (const [deviceId, fleet] of [
      ['d-aaaa', 'plant-7'],
      ['d-bbbb', 'plant-7'],
      ['d-retired', 'plant-7'],
    ] as const) {
      const { password, stored } = mintDevicePassword();
      passwords[deviceId] = password;
      await credentials.record({ deviceId, fleet, password: stored, issuedAt: new Date() });
    }
    await db.transaction((sql) => DeviceCredentialsStore.revoke(sql, 'd-retired', new Date()));
    responder = new AuthCalloutResponder({
      nc,
      credentials,
      subjectPrefix: naming.subjectPrefix,
      clock: systemClock,
      signer: new NkeyJwtSigner(broker.issuerSeed, broker.issuerPublicKey),
    });
    responder.start();
    await nc.flush();
  });

  // One connection per client id at a time, as on a real device: a second one would take the session over.
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
  });

  afterAll(async () => {
    await responder.stop();
    await nc.close();
    await db.close();
    await testDb.drop();

    await broker.stop();
  });

  it('admits a device with its own client id and password; it publishes its topics and hears its desired state', async () => {
    const inbox = nc.subscribe(`${naming.subjectPrefix}keelson.dev.d-aaaa.>`, { max: 1 });
    await nc.flush(); // the server knows the subscription before the device publishes
    const client = await device('d-aaaa', 'd-aaaa', passwords['d-aaaa']!);
    const desired = new Promise<string>((resolve) =>
      client.on('message', (topic, payload) => topic.endsWith('/desired') && resolve(payload.toString())),
    );
    const [granted] = await client.subscribeAsync(`${root}/cmd/d-aaaa/desired`, { qos: 1 });
    expect(granted?.qos).toBe(1);
    await client.publishAsync(`${root}/dev/d-aaaa/hello`, '{"hi":1}', { qos: 1 });
    for await (const m of inbox) expect([m.subject, m.string()]).toEqual([`${naming.subjectPrefix}keelson.dev.d-aaaa.hello`, '{"hi":1}']);
    nc.publish(`${naming.subjectPrefix}keelson.cmd.d-aaaa.desired`, '{"generation":1}');
    await expect(desired).resolves.toBe('{"generation":1}');
  });

  it('refuses a wrong password, another device id as client id, a decommissioned device and an unknown one, and counts them', async () => {
    const before = { bad: await refusedCount('bad-password'), mismatch: await refusedCount('client-id-mismatch') };
    await expect(refusal('d-aaaa', 'd-aaaa', 'not-the-password')).resolves.toMatch(/not authorized/i);
    await expect(refusal('d-bbbb', 'd-aaaa', passwords['d-aaaa']!)).resolves.toMatch(/not authorized/i);
    await expect(refusal('d-retired', 'd-retired', passwords['d-retired']!)).resolves.toMatch(/not authorized/i);
    await expect(refusal('d-nobody', 'd-nobody', passwords['d-aaaa']!)).resolves.toMatch(/not authorized/i);
    expect(await refusedCount('bad-password')).toBe(before.bad + 1);
    expect(await refusedCount('client-id-mismatch')).toBe(before.mismatch + 1);
    expect(await refusedCount('decommissioned')).toBeGreaterThanOrEqual(1);
  });

  it("cannot take over a connected device's session with another device's credentials", async () => {
    const victim = await device('d-aaaa', 'd-aaaa', passwords['d-aaaa']!);
    const heard: string[] = [];
    victim.on('message', (_topic, payload) => heard.push(payload.toString()));
    await victim.subscribeAsync(`${root}/cmd/d-aaaa/desired`, { qos: 1 });
    await expect(refusal('d-aaaa', 'd-bbbb', passwords['d-bbbb']!)).resolves.toMatch(/not authorized/i);
    nc.publish(`${naming.subjectPrefix}keelson.cmd.d-aaaa.desired`, '{"generation":3}');
    while (heard.length === 0) await pause(20);
    expect([victim.connected, heard]).toEqual([true, ['{"generation":3}']]);
  });

  it('refuses device credentials on a plain NATS connection', async () => {
    await expect(connectNats({ servers: broker.nats.url, user: 'd-aaaa', pass: passwords['d-aaaa']!, reconnect: false })).rejects.toThrow(
      /authorization/i,
    );
  });

  it('drops what a device publishes under another device id', async () => {
    const foreign = nc.subscribe(`${naming.subjectPrefix}keelson.dev.d-bbbb.>`);
    const own = nc.subscribe(`${naming.subjectPrefix}keelson.dev.d-aaaa.report`, { max: 1 });
    await nc.flush();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const m of foreign) seen.push(m.subject);
    })();
    const client = await device('d-aaaa', 'd-aaaa', passwords['d-aaaa']!, { clean: true });
    await client.publishAsync(`${root}/dev/d-bbbb/report`, '{"forged":true}', { qos: 1 });
    await client.publishAsync(`${root}/dev/d-bbbb/report`, '{"forged":true}', { qos: 0 });
    await client.publishAsync(`${root}/dev/d-aaaa/report`, '{"own":true}', { qos: 1 });
    for await (const _ of own) break; // the device's own message got through, so the forged ones had their chance
    foreign.unsubscribe(); // what it had received before is still read
    await reading;
    expect(seen).toEqual([]);
  });

  it("gives a device nothing of another device's desired state", async () => {
    const client = await device('d-aaaa', 'd-aaaa', passwords['d-aaaa']!, { clean: true });
    const topics: string[] = [];
    client.on('message', (topic) => topics.push(topic));
    // The broker answers SUBACK 0x80 (failure); mqtt.js turns that into a rejection carrying the packet.
    const refused = await client.subscribeAsync(`${root}/cmd/d-bbbb/desired`, { qos: 1 }).then(
      () => null,
      (e: { packet?: { granted?: number[] } }) => e,
    );
    expect(refused?.packet?.granted).toEqual([128]);
    await client.subscribeAsync(`${root}/cmd/d-aaaa/desired`, { qos: 0 });
    nc.publish(`${naming.subjectPrefix}keelson.cmd.d-bbbb.desired`, '{"generation":9}');
    nc.publish(`${naming.subjectPrefix}keelson.cmd.d-aaaa.desired`, '{"generation":2}');
    // Published after the other one, on the same connection: anything of d-bbbb's would have come first.
    while (!topics.includes(`${root}/cmd/d-aaaa/desired`)) await pause(20);
    expect(topics).toEqual([`${root}/cmd/d-aaaa/desired`]);
  });
});
