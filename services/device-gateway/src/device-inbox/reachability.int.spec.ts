import { gateway } from '@keelson/requests';
import { sendRequest } from '@keelson/service-kit';
import { eventually, TestClock } from '@keelson/testing';
import { DevicePresenceStore } from '../devices/device-presence.store.js';
import { Devices } from '../devices/devices.js';
import { assignment } from '../test-fixtures/assignments.js';
import { startDeviceHalf, type DeviceHalfApp } from '../test-fixtures/device-half-app.js';
import { ReachabilityWatch } from './reachability-watch.js';

const fleet = 'plant-7';
const offlineSeconds = 3;
const sweepMs = (offlineSeconds * 1000) / 4;

describe('reachability of a device that publishes no heartbeat while it updates, against real NATS and PostgreSQL', () => {
  // Reads the system clock until the spec stops it to judge silence at instants of its choosing.
  const clock = new TestClock();
  let gw: DeviceHalfApp;
  const errors: unknown[] = [];

  const publish = (deviceId: string, topic: string, payload: unknown) =>
    gw.nc.publish(`${gw.naming.subjectPrefix}keelson.dev.${deviceId}.${topic}`, new TextEncoder().encode(JSON.stringify(payload)));
  const hello = (deviceId: string) =>
    publish(deviceId, 'hello', {
      type: 'DeviceHello',
      schemaVersion: 1,
      data: { deviceId, agentVersion: '0.1.0', desiredGeneration: 1, installed: [] },
    });
  const step = (deviceId: string, assignmentId: string, state: string) =>
    publish(deviceId, 'progress', {
      type: 'DeviceProgress',
      schemaVersion: 1,
      data: { deviceId, assignmentId, rolloutId: 'r-1', state, sentAt: clock.now().toISOString() },
    });
  const reachabilityOf = async (deviceId: string) =>
    (await gw.eventsOf(fleet, deviceId)).flatMap((e) =>
      e.type === 'DeviceReachabilityChanged' ? [{ reachable: e.data.reachable, lastSeenAt: e.data.lastSeenAt }] : [],
    );
  const lastSeen = (deviceId: string) => gw.lastSeenAt(deviceId); // NaN until the devices projection has its row
  const sweeps = (n: number) => new Promise((r) => setTimeout(r, n * sweepMs));

  beforeAll(async () => {
    gw = await startDeviceHalf({ KEELSON_DEVICE_OFFLINE_SECONDS: String(offlineSeconds) }, { clock });
    await gw.enroll(fleet, 'd-busy1', 'camera d-busy1');
    // Hellos before the devices' rows are projected are retried later: not what these tests are about.
    await eventually(async () => (await Promise.all(['d-busy1'].map(lastSeen))).every((t) => !Number.isNaN(t)), 30_000);
    await sendRequest(gw.nc, gw.naming, gateway.assignDevice, { fleet, deviceId: 'd-busy1', assignment: assignment('a-busy1') });
  });
  afterEach(() => clock.release());
  afterAll(async () => {
    await gw?.close();
  });

  it('takes its steps as signs of life, in the replica that relays them and in one that heard none of them; silence counts from the last step', async () => {
    clock.set(Date.now()); // time stands still between the device's messages
    hello('d-busy1');
    await eventually(async () => (await reachabilityOf('d-busy1')).length === 1);
    const heardAt = Date.parse((await reachabilityOf('d-busy1'))[0]!.lastSeenAt);
    await eventually(async () => (await lastSeen('d-busy1')) === heardAt);
    // Another replica: it watches the device from the read model and hears none of its steps
    // (a step reaches one replica of the queue group; here the app's).
    const presence = gw.app.get(DevicePresenceStore);
    const other = new ReachabilityWatch({
      devices: gw.app.get(Devices),
      presence,
      clock,
      offlineSeconds,
      onError: (err) => void errors.push(err),
    });
    await other.start();
    try {
      // Busy updating: a step every 2 s, no heartbeat, for longer than the offline period since the hello.
      for (const [offsetMs, state] of [
        [2_000, 'downloading'],
        [4_000, 'verifying'],
        [6_000, 'applying'],
      ] as const) {
        clock.set(heardAt + offsetMs);
        step('d-busy1', 'a-busy1', state);
        await eventually(async () => (await lastSeen('d-busy1')) === heardAt + offsetMs);
        await sweeps(2); // both replicas sweep at this instant, the last step within the period
      }
      expect(await reachabilityOf('d-busy1')).toEqual([{ reachable: true, lastSeenAt: new Date(heardAt).toISOString() }]);
      // Silent from the last step on: unreachable one period later, last seen at that step.
      clock.set(heardAt + 6_000 + offlineSeconds * 1000 + 1);
      await eventually(async () => (await reachabilityOf('d-busy1')).length === 2);
      await sweeps(2);
      expect((await reachabilityOf('d-busy1'))[1]).toEqual({ reachable: false, lastSeenAt: new Date(heardAt + 6_000).toISOString() });
      expect(await reachabilityOf('d-busy1')).toHaveLength(2);
      expect(errors).toEqual([]);
    } finally {
      await other.stop();
    }
  });
});
