import { gateway } from '@keelson/requests';
import { sendRequest } from '@keelson/service-kit';
import { startDeviceHalf, type DeviceHalfApp } from '../test-fixtures/device-half-app.js';

const fleet = 'plant-7';
const ctx = { actor: { kind: 'service', id: 'rollout-orchestrator' } as const, correlationId: 'c-1', commandId: 'find' };

describe('find-devices: what rollout targeting knows of active devices', () => {
  let gw: DeviceHalfApp;
  const find = (input: Omit<Parameters<typeof sendRequest<typeof gateway.findDevices>>[3], 'fleet'>) =>
    sendRequest(gw.nc, gw.naming, gateway.findDevices, { fleet, ...input }, ctx);

  beforeAll(async () => {
    gw = await startDeviceHalf();
    await gw.enroll(fleet, 'd-1', 'cam-1', { labels: { site: 'north' }, hardware: { accelerator: 'jetson-orin', memoryMb: 16_000 } });
    await gw.enroll(fleet, 'd-2', 'cam-2', { labels: { site: 'south' }, hardware: {} });
    await gw.enroll(fleet, 'd-3', 'cam-3');
    await gw.enroll('other-fleet', 'd-9', 'cam-1');
    const subject = gw.devices.subject('device', fleet, 'd-3');
    await gw.devices.append(
      subject,
      (await gw.devices.load(subject)).lastSeq,
      [{ type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet, deviceId: 'd-3', reason: 'retired' } }],
      { actor: { kind: 'operator', id: 'admin' }, correlationId: 'c-1', commandId: 'retire-d-3' },
    );
    const settled = async () => (await find({})).items.length === 2;
    for (let end = Date.now() + 10_000; !(await settled()) && Date.now() < end;) await new Promise((r) => setTimeout(r, 25));
  });
  afterAll(() => gw?.close());

  it("lists the fleet's active devices with labels and hardware, oldest first, never a decommissioned one", async () => {
    expect((await find({})).items).toEqual([
      { deviceId: 'd-1', name: 'cam-1', labels: { site: 'north' }, hardware: { accelerator: 'jetson-orin', memoryMb: 16_000 } },
      { deviceId: 'd-2', name: 'cam-2', labels: { site: 'south' }, hardware: {} },
    ]);
  });

  it('finds by name or id, and by device ids; an unknown or retired name is simply absent', async () => {
    expect((await find({ names: ['cam-2', 'd-1', 'cam-3', 'nobody'] })).items.map((d) => d.deviceId)).toEqual(['d-1', 'd-2']);
    expect((await find({ deviceIds: ['d-2', 'd-3'] })).items.map((d) => d.deviceId)).toEqual(['d-2']);
  });

  it('pages with a cursor', async () => {
    const first = await find({ limit: 1 });
    expect(first.items.map((d) => d.deviceId)).toEqual(['d-1']);
    const second = await find({ limit: 1, cursor: first.nextCursor! });
    expect(second).toEqual({ items: [expect.objectContaining({ deviceId: 'd-2' })] });
    await expect(find({ cursor: 'not-a-cursor' })).rejects.toMatchObject({ name: 'InvalidInput' });
  });

  it('lists where each following page starts, when asked, so the pages can be fetched at once', async () => {
    for (const n of [5, 6, 7, 8]) await gw.enroll(fleet, `d-${n}`, `cam-${n}`);
    const all = async () => (await find({ limit: 1000 })).items.map((d) => d.deviceId);
    for (let end = Date.now() + 10_000; !(await all()).includes('d-8') && Date.now() < end;) await new Promise((r) => setTimeout(r, 25));
    const everyone = await all();
    expect(everyone).toHaveLength(6);
    const first = await find({ limit: 2, pageCursors: true });
    expect(first.pageCursors?.[0]).toBe(first.nextCursor);
    const pages = await Promise.all(first.pageCursors!.map((cursor) => find({ limit: 2, cursor })));
    expect([first, ...pages].flatMap((p) => p.items.map((d) => d.deviceId))).toEqual(everyone);
    expect(pages.at(-1)!.nextCursor).toBeUndefined(); // no cursor for a page that would be empty
    expect(first.pageCursors).toHaveLength(Math.ceil(everyone.length / 2) - 1);
    expect((await find({ limit: 1000, pageCursors: true })).pageCursors).toBeUndefined(); // one page: nothing follows
  });

  it("sees a re-enrolled device with the replacement's name and hardware, and its labels", async () => {
    await gw.enroll(fleet, 'd-4', 'cam-4', { labels: { site: 'north' }, hardware: { accelerator: 'hailo-8', memoryMb: 4_000 } });
    const subject = gw.devices.subject('device', fleet, 'd-4');
    await gw.devices.append(
      subject,
      (await gw.devices.load(subject)).lastSeq,
      [
        {
          type: 'DeviceReenrolled',
          schemaVersion: 1,
          data: {
            fleet,
            deviceId: 'd-4',
            name: 'cam-4b',
            certificateSerial: '0b',
            certificateFingerprint: 'd'.repeat(64),
            hardware: { accelerator: 'jetson-orin', memoryMb: 16_000 },
            enrolledWith: 'et-2',
          },
        },
      ],
      { actor: { kind: 'device', id: 'd-4' }, correlationId: 'c-1', commandId: 'reenroll-d-4' },
    );
    const replaced = async () => (await find({ deviceIds: ['d-4'] })).items[0];
    for (let end = Date.now() + 10_000; (await replaced())?.name !== 'cam-4b' && Date.now() < end;)
      await new Promise((r) => setTimeout(r, 25));
    expect(await replaced()).toEqual({
      deviceId: 'd-4',
      name: 'cam-4b',
      labels: { site: 'north' },
      hardware: { accelerator: 'jetson-orin', memoryMb: 16_000 },
    });
    expect((await find({ names: ['cam-4'] })).items).toEqual([]); // the old name is gone
  });
});
