import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { eventually, TestClock, testEnv } from '@keelson/testing';
import { startDeviceHalf, type DeviceHalfApp } from '../test-fixtures/device-half-app.js';

const fleet = 'plant-9';
const offlineSeconds = 3;
const sweepMs = (offlineSeconds * 1000) / 4;

describe('presence from the broker: an idle connected device stays reachable, one that left is called silent after the period', () => {
  // Reads the system clock until the spec stops it to judge silence at instants of its choosing.
  const clock = new TestClock();
  const suffix = randomBytes(3).toString('hex');
  const [idle, gone, never] = [`d-idle${suffix}`, `d-gone${suffix}`, `d-never${suffix}`];
  let gw: DeviceHalfApp;
  const clients: MqttClient[] = [];

  const hello = (deviceId: string) =>
    gw.nc.publish(
      `${gw.naming.subjectPrefix}keelson.dev.${deviceId}.hello`,
      new TextEncoder().encode(
        JSON.stringify({
          type: 'DeviceHello',
          schemaVersion: 1,
          data: { deviceId, agentVersion: '0.1.0', desiredGeneration: 1, installed: [] },
        }),
      ),
    );
  const reachabilityOf = async (deviceId: string) =>
    (await gw.eventsOf(fleet, deviceId)).flatMap((e) =>
      e.type === 'DeviceReachabilityChanged' ? [{ reachable: e.data.reachable, lastSeenAt: e.data.lastSeenAt }] : [],
    );
  const lastSeen = (deviceId: string) => gw.lastSeenAt(deviceId); // NaN until the devices projection has its row
  const sweeps = (n: number) => new Promise((r) => setTimeout(r, n * sweepMs));
  // An MQTT session that says nothing: mqtt.js sends only keep-alive pings, which the broker answers alone.
  const connectQuietly = async (deviceId: string) => {
    const { mqttUrl, natsUser, natsPass } = testEnv();
    const client = await connectAsync(mqttUrl, {
      clientId: deviceId,
      username: natsUser,
      password: natsPass,
      clean: true,
      reconnectPeriod: 0,
      keepalive: 30,
    });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    const { natsSystemUser, natsSystemPass } = testEnv();
    gw = await startDeviceHalf(
      {
        KEELSON_DEVICE_OFFLINE_SECONDS: String(offlineSeconds),
        KEELSON_NATS_SYSTEM_USER: natsSystemUser,
        KEELSON_NATS_SYSTEM_PASSWORD: natsSystemPass,
      },
      { clock },
    );
    for (const deviceId of [idle, gone, never]) await gw.enroll(fleet, deviceId, `camera ${deviceId}`);
    // Hellos before the devices' rows are projected are retried later: not what these tests are about.
    await eventually(async () => (await Promise.all([idle, gone, never].map(lastSeen))).every((t) => !Number.isNaN(t)), 30_000);
  });
  afterEach(() => clock.release());
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await gw?.close();
  });

  it('keeps a connected device that publishes nothing reachable; calls one silent an offline period after its connection closed', async () => {
    await connectQuietly(idle);
    const leaving = await connectQuietly(gone);
    clock.set(Date.now());
    for (const deviceId of [idle, gone, never]) hello(deviceId);
    await eventually(async () => (await Promise.all([idle, gone, never].map(reachabilityOf))).every((r) => r.length === 1));
    // Each hello is stamped when the inbox recorded it (not always the same instant for the three):
    // wait until each device's row holds its own hello's time, and run the timeline from the latest.
    const heard = await Promise.all([idle, gone, never].map(async (d) => Date.parse((await reachabilityOf(d))[0]!.lastSeenAt)));
    const neverHeardAt = heard[2]!;
    const heardAt = Math.max(...heard);
    await eventually(async () => (await Promise.all([idle, gone, never].map(lastSeen))).every((t, i) => t === heard[i]));

    // Past the offline period with no message from anyone: the broker still holds two of the three.
    const t1 = heardAt + offlineSeconds * 1000 + 1;
    clock.set(t1);
    await eventually(async () => (await reachabilityOf(never)).length === 2);
    expect((await reachabilityOf(never))[1]).toEqual({ reachable: false, lastSeenAt: new Date(neverHeardAt).toISOString() });
    await eventually(async () => (await lastSeen(idle)) === t1 && (await lastSeen(gone)) === t1);

    // One leaves a second later; the broker tells the gateway, and silence counts from then.
    clock.set(t1 + 1_000);
    await leaving.endAsync();
    await sweeps(2);
    clock.set(t1 + offlineSeconds * 1000 + 500); // the idle one is due again (listed: still connected); the other is not yet
    await sweeps(3);
    expect(await reachabilityOf(gone)).toHaveLength(1);
    clock.set(t1 + 1_000 + offlineSeconds * 1000 + 1);
    await eventually(async () => (await reachabilityOf(gone)).length === 2);
    expect((await reachabilityOf(gone))[1]).toEqual({ reachable: false, lastSeenAt: new Date(t1 + 1_000).toISOString() });

    // The list that found the other one gone found this one connected again.
    await eventually(async () => (await lastSeen(idle)) === t1 + 1_000 + offlineSeconds * 1000 + 1);
    expect(await reachabilityOf(idle)).toHaveLength(1);
  });
});
