import type { Subscription } from '@nats-io/transport-node';
import { register, type Counter } from 'prom-client';
import { gateway } from '@keelson/requests';
import { parseDeviceMessage, type DesiredState } from '@keelson/events';
import { sendRequest } from '@keelson/service-kit';
import { eventually, TestClock } from '@keelson/testing';
import { assignment } from '../test-fixtures/assignments.js';
import { startDeviceHalf, type DeviceHalfApp } from '../test-fixtures/device-half-app.js';

const fleet = 'plant-7';
const now = () => new Date().toISOString();

describe('device inbox, desired state and assignments against real NATS and PostgreSQL', () => {
  // Reads the system clock until a spec stops it to judge silence at instants of its choosing.
  const clock = new TestClock();
  let gw: DeviceHalfApp;
  let desiredSub: Subscription;
  const desiredSeen: DesiredState[] = [];

  const publish = (deviceId: string, topic: string, payload: unknown) => {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    gw.nc.publish(`${gw.naming.subjectPrefix}keelson.dev.${deviceId}.${topic}`, new TextEncoder().encode(body));
  };
  const hello = (deviceId: string, desiredGeneration = 0) =>
    publish(deviceId, 'hello', {
      type: 'DeviceHello',
      schemaVersion: 1,
      data: {
        deviceId,
        agentVersion: '0.1.0',
        desiredGeneration,
        installed: [{ name: 'yolo-v8n', version: '2.0.4', sha256: 'd'.repeat(64) }],
        hardware: { architecture: 'arm64' },
      },
    });
  const report = (deviceId: string, assignmentId: string, state: string, payloadDeviceId = deviceId) =>
    publish(deviceId, 'report', {
      type: 'DeviceReport',
      schemaVersion: 1,
      data: { deviceId: payloadDeviceId, assignmentId, rolloutId: 'r-1', state, sentAt: now() },
    });
  const heartbeat = (deviceId: string) =>
    publish(deviceId, 'heartbeat', { type: 'DeviceHeartbeat', schemaVersion: 1, data: { deviceId, uptimeSeconds: 1, sentAt: now() } });
  const dropped = async (reason: string) => {
    const metric = register.getSingleMetric('keelson_device_messages_dropped_total') as Counter<string> | undefined;
    return (await metric?.get())?.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  };
  const counted = async (name: string, label: string, value: string) =>
    (await (register.getSingleMetric(name) as Counter<string> | undefined)?.get())?.values.find((v) => v.labels[label] === value)?.value ??
    0;
  const desiredFor = (deviceId: string) => desiredSeen.filter((d) => d.data.deviceId === deviceId);
  const row = async (deviceId: string) =>
    (
      await gw.db.query<{ reachable: boolean; installed: unknown[]; desired_generation: number; assignments: unknown[] }>(
        'SELECT reachable, installed, desired_generation, assignments FROM devices WHERE device_id = $1',
        [deviceId],
      )
    )[0];
  const types = async (deviceId: string) => (await gw.eventsOf(fleet, deviceId)).map((e) => e.type);

  beforeAll(async () => {
    gw = await startDeviceHalf({ KEELSON_DEVICE_OFFLINE_SECONDS: '3' }, { clock });
    desiredSub = gw.nc.subscribe(`${gw.naming.subjectPrefix}keelson.cmd.*.desired`, {
      callback: (_, msg) => {
        desiredSeen.push(parseDeviceMessage(msg.json()) as DesiredState);
      },
    });
    for (const id of ['d-aaa1', 'd-bbb2', 'd-ccc3', 'd-ddd4']) await gw.enroll(fleet, id, `camera ${id}`);
  });
  afterEach(() => clock.release());
  afterAll(async () => {
    await desiredSub?.drain();
    await gw?.close();
  });

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

  it('drops malformed messages and a device speaking for another, changing neither device and counting each', async () => {
    await sendRequest(gw.nc, gw.naming, gateway.assignDevice, { fleet, deviceId: 'd-ccc3', assignment: assignment('a-c') });
    const before = { b: await types('d-bbb2'), c: await types('d-ccc3') };
    const counts = {
      notJson: await dropped('not-json'),
      unknownType: await dropped('unknown-type'),
      invalid: await dropped('invalid'),
      mismatch: await dropped('device-mismatch'),
      topic: await dropped('wrong-topic'),
    };
    publish('d-bbb2', 'hello', '{"type": "DeviceHello", ');
    publish('d-bbb2', 'report', { type: 'DeviceSelfDestruct', schemaVersion: 1, data: {} });
    publish('d-bbb2', 'report', { type: 'DeviceReport', schemaVersion: 1, data: { deviceId: 'd-bbb2', state: 'healthy' } });
    publish('d-bbb2', 'report', new Array(50).fill('[').join(''));
    report('d-bbb2', 'a-c', 'failed', 'd-ccc3'); // d-bbb2 claims to be d-ccc3
    publish('d-bbb2', 'hello', {
      type: 'DeviceReport',
      schemaVersion: 1,
      data: { deviceId: 'd-bbb2', assignmentId: 'a-c', rolloutId: 'r-1', state: 'healthy', sentAt: now() },
    });
    publish('d-bbb2', 'heartbeat', 'not json at all');
    await eventually(
      async () =>
        (await dropped('not-json')) === counts.notJson + 3 &&
        (await dropped('device-mismatch')) === counts.mismatch + 1 &&
        (await dropped('wrong-topic')) === counts.topic + 1,
    );
    expect(await dropped('unknown-type')).toBe(counts.unknownType + 1);
    expect(await dropped('invalid')).toBe(counts.invalid + 1);
    expect(await types('d-bbb2')).toEqual(before.b);
    expect(await types('d-ccc3')).toEqual(before.c);
    expect(desiredFor('d-bbb2')).toEqual([]);
    // the inbox keeps going after all of that
    hello('d-bbb2', 1); // behind what it says: answered
    await eventually(() => desiredFor('d-bbb2').length === 1);
  });

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

  it('refuses everything from a decommissioned device', async () => {
    const subject = gw.devices.subject('device', fleet, 'd-bbb2');
    const { lastSeq } = await gw.devices.load(subject);
    await gw.devices.append(subject, lastSeq, [{ type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet, deviceId: 'd-bbb2' } }], {
      actor: { kind: 'operator', id: 'ada' },
      correlationId: 'c',
      commandId: 'decommission-bbb2',
    });
    const before = await types('d-bbb2');
    const refused = await dropped('decommissioned');
    hello('d-bbb2');
    await eventually(async () => (await dropped('decommissioned')) === refused + 1);
    expect(await types('d-bbb2')).toEqual(before);
    await expect(
      sendRequest(gw.nc, gw.naming, gateway.assignDevice, { fleet, deviceId: 'd-bbb2', assignment: assignment('a-b') }),
    ).rejects.toMatchObject({ name: 'RuleViolation', code: 'device.decommissioned' });
  });
});
