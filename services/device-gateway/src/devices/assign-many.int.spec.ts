import { gateway } from '@keelson/requests';
import { sendRequest } from '@keelson/service-kit';
import { assignment } from '../test-fixtures/assignments.js';
import { startDeviceHalf, type DeviceHalfApp } from '../test-fixtures/device-half-app.js';

const fleet = 'plant-7';
const { assignmentId: _id, ...template } = assignment('unused');

describe("assign-many: one rollout's assignment to many devices in one request, against real NATS and PostgreSQL", () => {
  let gw: DeviceHalfApp;
  const assignMany = (deviceIds: string[]) =>
    sendRequest(gw.nc, gw.naming, gateway.assignDevices, {
      fleet,
      template,
      devices: deviceIds.map((deviceId) => ({ deviceId, assignmentId: `r-1-${deviceId}` })),
    });
  const desiredOf = async (deviceId: string) => (await gw.eventsOf(fleet, deviceId)).filter((e) => e.type === 'DesiredStateChanged');

  beforeAll(async () => {
    gw = await startDeviceHalf();
    for (const id of ['d-aaa1', 'd-bbb2', 'd-ccc3', 'd-gone4']) await gw.enroll(fleet, id, `camera ${id}`);
    await sendRequest(gw.nc, gw.naming, gateway.decommissionDevice, { fleet, deviceId: 'd-gone4' });
  });
  afterAll(() => gw?.close());

  it('assigns each device on its own aggregate, and answers a refused device without failing the others', async () => {
    const { results } = await assignMany(['d-aaa1', 'd-nobody', 'd-bbb2', 'd-gone4', 'd-ccc3']);
    expect(results).toEqual([
      { deviceId: 'd-aaa1', generation: 1, changed: true },
      { deviceId: 'd-nobody', refused: { code: 'device.not-found', message: expect.any(String) } },
      { deviceId: 'd-bbb2', generation: 1, changed: true },
      { deviceId: 'd-gone4', refused: { code: 'device.decommissioned', message: expect.any(String) } },
      { deviceId: 'd-ccc3', generation: 1, changed: true },
    ]);
    // Every device got its own DesiredStateChanged, with its own assignment id: one command id for all
    // would have let the stream's de-duplication drop all but the first.
    for (const id of ['d-aaa1', 'd-bbb2', 'd-ccc3']) {
      const desired = await desiredOf(id);
      expect(desired.map((e) => e.type === 'DesiredStateChanged' && e.data.assignments.map((a) => a.assignmentId))).toEqual([
        [`r-1-${id}`],
      ]);
    }
  });

  it('changes nothing when asked again (a redelivered wave)', async () => {
    const { results } = await assignMany(['d-aaa1', 'd-bbb2', 'd-ccc3']);
    expect(results.map((r) => 'changed' in r && r.changed)).toEqual([false, false, false]);
    for (const id of ['d-aaa1', 'd-bbb2', 'd-ccc3']) expect(await desiredOf(id)).toHaveLength(1);
  });

  it('refuses a request over the batch limit or with an id in the template, assigning nothing', async () => {
    const many = Array.from({ length: gateway.maxAssignBatch + 1 }, (_, i) => `d-x${i}`);
    await expect(assignMany(many)).rejects.toMatchObject({ name: 'InvalidInput' });
    const withId = {
      fleet,
      template: assignment('r-1-d-ccc3', 'other-model'),
      devices: [{ deviceId: 'd-ccc3', assignmentId: 'r-2-d-ccc3' }],
    };
    await expect(sendRequest(gw.nc, gw.naming, gateway.assignDevices, withId as never)).rejects.toMatchObject({ name: 'InvalidInput' });
    expect(await desiredOf('d-ccc3')).toHaveLength(1);
  });
});
