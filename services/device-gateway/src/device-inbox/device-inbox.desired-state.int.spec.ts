import { gateway } from '@keelson/requests';
import { sendRequest } from '@keelson/service-kit';
import { eventually } from '@keelson/testing';
import { assignment } from '../test-fixtures/assignments.js';
import { counted, DeviceInboxBench, dropped, fleet } from '../test-fixtures/device-inbox-bench.js';
import type { DeviceHalfApp } from '../test-fixtures/device-half-app.js';

describe('device inbox, desired state and assignments against real NATS and PostgreSQL', () => {
  const bench = new DeviceInboxBench();
  const { hello, report, desiredFor, row, types } = bench;
  let gw: DeviceHalfApp;

  beforeAll(async () => {
    gw = await bench.start();
  });
  afterAll(() => bench.stop());

  it('answers a hello only when the device lacks the desired state, marks it reachable and records what it runs', async () => {
    const [handled, answered] = [
      await counted('keelson_device_messages_handled_total', 'type', 'hello'),
      await counted('keelson_desired_states_sent_total', 'cause', 'hello'),
    ];
    hello('d-aaa1'); // never assigned and says so: up to date, nothing to send
    await eventually(async () => (await counted('keelson_device_messages_handled_total', 'type', 'hello')) === handled + 1);
    expect(await counted('keelson_desired_states_sent_total', 'cause', 'hello')).toBe(answered);
    hello('d-aaa1', 3); // says it applied a generation the platform never gave it (a restored platform): gets the current one
    await eventually(() => desiredFor('d-aaa1').length === 1);
    expect(desiredFor('d-aaa1')[0]!.data).toEqual({ deviceId: 'd-aaa1', generation: 0, assignments: [] });
    hello('d-aaa1', 2); // reconnecting while still reachable is no new fact
    await eventually(() => desiredFor('d-aaa1').length === 2);
    expect(await types('d-aaa1')).toEqual(['DeviceEnrolled', 'DeviceReachabilityChanged']);
    await eventually(async () => (await row('d-aaa1'))?.reachable === true);
    expect((await row('d-aaa1'))!.installed).toEqual([{ name: 'yolo-v8n', version: '2.0.4', sha256: 'd'.repeat(64) }]);
  });

  it('assigns once per assignment id, pushes the new desired state, and answers a stale hello with it', async () => {
    const input = { fleet, deviceId: 'd-aaa1', assignment: assignment('a-1') };
    await expect(sendRequest(gw.nc, gw.naming, gateway.assignDevice, input)).resolves.toEqual({ generation: 1, changed: true });
    await expect(sendRequest(gw.nc, gw.naming, gateway.assignDevice, input)).resolves.toEqual({ generation: 1, changed: false });
    expect((await types('d-aaa1')).filter((t) => t === 'DesiredStateChanged')).toHaveLength(1);
    await eventually(() => desiredFor('d-aaa1').some((d) => d.data.generation === 1));
    const pushed = desiredFor('d-aaa1').length;
    hello('d-aaa1', 0);
    await eventually(() => desiredFor('d-aaa1').length === pushed + 1);
    expect(desiredFor('d-aaa1').at(-1)!.data).toEqual({ deviceId: 'd-aaa1', generation: 1, assignments: [assignment('a-1')] });
  });

  it('refuses to assign a device that never enrolled', async () => {
    await expect(
      sendRequest(gw.nc, gw.naming, gateway.assignDevice, { fleet, deviceId: 'd-nobody', assignment: assignment('a-9') }),
    ).rejects.toMatchObject({ name: 'NotFound', code: 'device.not-found' });
  });

  it('records each new report once and drops reports about assignments the device does not have', async () => {
    const unknownBefore = await dropped('unknown-assignment');
    report('d-aaa1', 'a-1', 'downloading');
    report('d-aaa1', 'a-1', 'downloading');
    report('d-aaa1', 'a-other', 'healthy');
    report('d-aaa1', 'a-1', 'healthy');
    await eventually(async () => (await row('d-aaa1'))?.assignments.some((a) => (a as { state?: string }).state === 'healthy') === true);
    const reports = (await gw.eventsOf(fleet, 'd-aaa1')).filter((e) => e.type === 'DeviceReportedProgress');
    expect(reports.map((e) => (e.data as { state: string }).state)).toEqual(['downloading', 'healthy']);
    expect(await dropped('unknown-assignment')).toBe(unknownBefore + 1);
    expect((await row('d-aaa1'))!.desired_generation).toBe(1);
  });

  it('answers no hello of a device that applied the current state with every outcome on record; one with an outcome missing gets it again', async () => {
    const [handled, answered] = [
      await counted('keelson_device_messages_handled_total', 'type', 'hello'),
      await counted('keelson_desired_states_sent_total', 'cause', 'hello'),
    ];
    hello('d-aaa1', 1); // a-1 reported healthy above: up to date
    await eventually(async () => (await counted('keelson_device_messages_handled_total', 'type', 'hello')) === handled + 1);
    expect(await counted('keelson_desired_states_sent_total', 'cause', 'hello')).toBe(answered);

    await sendRequest(gw.nc, gw.naming, gateway.assignDevice, { fleet, deviceId: 'd-ccc3', assignment: assignment('a-c3') });
    report('d-ccc3', 'a-c3', 'applying');
    hello('d-ccc3', 1); // says it applied generation 1, but its terminal report never arrived: it must see the state to send it again
    await eventually(async () => (await counted('keelson_device_messages_handled_total', 'type', 'hello')) === handled + 2);
    expect(await counted('keelson_desired_states_sent_total', 'cause', 'hello')).toBe(answered + 1);
    await eventually(() => desiredFor('d-ccc3').length === 2); // the push of generation 1 and the answer
    expect(desiredFor('d-ccc3').map((d) => d.data.generation)).toEqual([1, 1]);
  });
});
