import type { Subscription } from '@nats-io/transport-node';
import { register, type Counter } from 'prom-client';
import { gateway } from '@keelson/requests';
import { LiveDeviceProgress, type DeviceEvent } from '@keelson/events';
import { sendRequest } from '@keelson/service-kit';
import { eventually } from '@keelson/testing';
import { assignment } from '../test-fixtures/assignments.js';
import { startDeviceHalf, type DeviceHalfApp } from '../test-fixtures/device-half-app.js';

const fleet = 'plant-7';
const at = (s: number) => new Date(Date.UTC(2026, 11, 6, 9, 0, s)).toISOString();

describe("devices' steps relayed live by the gateway, against real NATS and PostgreSQL", () => {
  let gw: DeviceHalfApp;
  let live: Subscription;
  const relayed: LiveDeviceProgress[] = [];

  const publish = (deviceId: string, topic: string, payload: unknown) => {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    gw.nc.publish(`${gw.naming.subjectPrefix}keelson.dev.${deviceId}.${topic}`, new TextEncoder().encode(body));
  };
  const step = (deviceId: string, assignmentId: string, state: string, extra: Record<string, unknown> = {}) =>
    publish(deviceId, 'progress', {
      type: 'DeviceProgress',
      schemaVersion: 1,
      data: { deviceId, assignmentId, rolloutId: 'r-1', state, sentAt: at(1), ...extra },
    });
  const counted = async (name: string, label: string, value: string) =>
    (await (register.getSingleMetric(name) as Counter<string> | undefined)?.get())?.values.find((v) => v.labels[label] === value)?.value ??
    0;
  const dropped = (reason: string) => counted('keelson_device_messages_dropped_total', 'reason', reason);
  const reportsOf = async (deviceId: string) =>
    (await gw.eventsOf(fleet, deviceId)).filter(
      (e): e is Extract<DeviceEvent, { type: 'DeviceReportedProgress' }> => e.type === 'DeviceReportedProgress',
    );

  beforeAll(async () => {
    gw = await startDeviceHalf();
    live = gw.nc.subscribe(`${gw.naming.subjectPrefix}live.device-progress.>`, {
      callback: (_, msg) => void relayed.push(LiveDeviceProgress.parse(msg.json())),
    });
    for (const id of ['d-aaa1', 'd-bbb2']) {
      await gw.enroll(fleet, id, `camera ${id}`);
      await sendRequest(gw.nc, gw.naming, gateway.assignDevice, { fleet, deviceId: id, assignment: assignment(`a-${id}`) });
    }
  });
  afterAll(async () => {
    await live?.drain();
    await gw?.close();
  });

  it("relays a step of an assignment the device holds to its rollout's subject, and stores nothing of it", async () => {
    const handled = await counted('keelson_device_messages_handled_total', 'type', 'progress');
    step('d-aaa1', 'a-d-aaa1', 'downloading');
    step('d-aaa1', 'a-d-aaa1', 'verifying');
    await eventually(() => relayed.filter((r) => r.data.deviceId === 'd-aaa1').length === 2);
    expect(relayed.map((r) => r.data)).toEqual([
      { fleet, deviceId: 'd-aaa1', assignmentId: 'a-d-aaa1', rolloutId: 'r-1', state: 'downloading', reportedAt: at(1) },
      { fleet, deviceId: 'd-aaa1', assignmentId: 'a-d-aaa1', rolloutId: 'r-1', state: 'verifying', reportedAt: at(1) },
    ]);
    expect(await counted('keelson_device_messages_handled_total', 'type', 'progress')).toBe(handled + 2);
    expect(await reportsOf('d-aaa1')).toEqual([]);
  });

  it('records the outcome with its step times, and drops a step that trails it', async () => {
    const steps = { downloading: at(1), verifying: at(2), applying: at(3) };
    publish('d-aaa1', 'report', {
      type: 'DeviceReport',
      schemaVersion: 2,
      data: { deviceId: 'd-aaa1', assignmentId: 'a-d-aaa1', rolloutId: 'r-1', state: 'healthy', sentAt: at(5), steps },
    });
    await eventually(async () => (await reportsOf('d-aaa1')).length === 1);
    expect((await reportsOf('d-aaa1'))[0]!.data).toEqual({
      fleet,
      deviceId: 'd-aaa1',
      assignmentId: 'a-d-aaa1',
      rolloutId: 'r-1',
      state: 'healthy',
      reportedAt: at(5),
      steps,
    });

    const before = [relayed.length, await dropped('after-outcome')];
    step('d-aaa1', 'a-d-aaa1', 'applying');
    await eventually(async () => (await dropped('after-outcome')) === before[1]! + 1);
    expect(relayed.length).toBe(before[0]);
  });

  it('drops what does not pass, relaying and storing nothing, and counts each by reason', async () => {
    const reasons = ['not-json', 'invalid', 'device-mismatch', 'unknown-assignment', 'unknown-device'] as const;
    const before = Object.fromEntries(await Promise.all(reasons.map(async (r) => [r, await dropped(r)] as const)));
    const relayedBefore = relayed.length;
    publish('d-bbb2', 'progress', '{"type":"DeviceProgress",');
    step('d-bbb2', 'a-d-bbb2', 'healthy'); // an outcome is no step: it goes on `report`, at QoS 1
    step('d-bbb2', 'a-d-aaa1', 'applying', { deviceId: 'd-aaa1' }); // d-bbb2 speaking for d-aaa1
    step('d-bbb2', 'a-not-mine', 'downloading');
    step('d-nobody', 'a-d-bbb2', 'downloading');
    await eventually(async () => {
      for (const r of reasons) if ((await dropped(r)) !== before[r]! + 1) return false;
      return true;
    });
    expect(relayed.length).toBe(relayedBefore);
    expect(await reportsOf('d-bbb2')).toEqual([]);
    step('d-bbb2', 'a-d-bbb2', 'downloading'); // and the device's own, proper step still goes through
    await eventually(() => relayed.some((r) => r.data.deviceId === 'd-bbb2'));
  });
});
