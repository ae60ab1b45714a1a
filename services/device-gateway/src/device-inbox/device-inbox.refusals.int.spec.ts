import { gateway } from '@keelson/requests';
import { sendRequest } from '@keelson/service-kit';
import { eventually } from '@keelson/testing';
import { assignment } from '../test-fixtures/assignments.js';
import { DeviceInboxBench, dropped, fleet, now } from '../test-fixtures/device-inbox-bench.js';
import type { DeviceHalfApp } from '../test-fixtures/device-half-app.js';

describe('device inbox, desired state and assignments against real NATS and PostgreSQL', () => {
  const bench = new DeviceInboxBench();
  const { publish, hello, report, desiredFor, types } = bench;
  let gw: DeviceHalfApp;

  beforeAll(async () => {
    gw = await bench.start();
  });
  afterAll(() => bench.stop());

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
