import { eventually } from '@keelson/testing';
import { DeviceInboxBench, fleet } from '../test-fixtures/device-inbox-bench.js';
import type { DeviceHalfApp } from '../test-fixtures/device-half-app.js';

describe('device inbox, desired state and assignments against real NATS and PostgreSQL', () => {
  const bench = new DeviceInboxBench();
  const { clock, hello, heartbeat, row, types } = bench;
  let gw: DeviceHalfApp;

  beforeAll(async () => {
    gw = await bench.start();
  });
  afterEach(() => clock.release());
  afterAll(() => bench.stop());

  it('marks a silent device unreachable after the offline period and reachable again on its next heartbeat', async () => {
    clock.set(Date.now()); // time stands still while the device is silent
    hello('d-ddd4');
    await eventually(async () => (await types('d-ddd4')).includes('DeviceReachabilityChanged'));
    const [, online] = await gw.eventsOf(fleet, 'd-ddd4');
    expect(online).toMatchObject({ type: 'DeviceReachabilityChanged', data: { reachable: true, lastSeenAt: expect.any(String) } });
    // A hello is heard when the server took it in: silence counts from there.
    const heard = (online as { data: { lastSeenAt: string } }).data.lastSeenAt;
    clock.set(Date.parse(heard) + 3_001); // silent a millisecond longer than the offline period
    await eventually(async () => (await types('d-ddd4')).length === 3);
    expect((await gw.eventsOf(fleet, 'd-ddd4'))[2]).toMatchObject({
      type: 'DeviceReachabilityChanged',
      data: { reachable: false, lastSeenAt: heard },
    });
    await eventually(async () => (await row('d-ddd4'))?.reachable === false);
    const backAt = clock.set(Date.parse(heard) + 60_000).getTime();
    heartbeat('d-ddd4');
    await eventually(async () => (await types('d-ddd4')).length === 4);
    expect((await gw.eventsOf(fleet, 'd-ddd4'))[3]).toMatchObject({ type: 'DeviceReachabilityChanged', data: { reachable: true } });
    await eventually(async () => (await row('d-ddd4'))?.reachable === true);
    await eventually(async () => (await gw.lastSeenAt('d-ddd4')) === backAt); // the heartbeat's time reached the read model
  });
});
