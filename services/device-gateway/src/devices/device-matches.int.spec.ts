import { gateway } from '@keelson/requests';
import { sendRequest } from '@keelson/service-kit';
import { startDeviceHalf, type DeviceHalfApp } from '../test-fixtures/device-half-app.js';

const fleet = 'plant-7';
const ctx = { actor: { kind: 'service', id: 'rollout-orchestrator' } as const, correlationId: 'c-1', commandId: 'match' };
type Clause = gateway.SelectorClause;
const label = (key: string, op: Clause['op'], value: string): Clause => ({ source: 'label', key, op, value });
const hw = (key: string, op: Clause['op'], value: string): Clause => ({ source: 'hardware', key, op, value });

describe('match-devices: the lean targeting page, the selector matched in the gateway', () => {
  let gw: DeviceHalfApp;
  const match = (input: Omit<Parameters<typeof sendRequest<typeof gateway.matchDevices>>[3], 'fleet'>) =>
    sendRequest(gw.nc, gw.naming, gateway.matchDevices, { fleet, ...input }, ctx);
  const ids = async (...where: Clause[]) => (await match(where.length > 0 ? { where } : {})).deviceIds;

  beforeAll(async () => {
    gw = await startDeviceHalf();
    const orin = { accelerator: 'jetson-orin', memoryMb: 16_000, architecture: 'arm64' };
    await gw.enroll(fleet, 'd-1', 'orin-16', { labels: { site: 'plant-7', tier: '2' }, hardware: orin });
    await gw.enroll(fleet, 'd-2', 'orin-4', { labels: { site: 'plant-7', tier: 'two' }, hardware: { ...orin, memoryMb: 4_000 } });
    await gw.enroll(fleet, 'd-3', 'bare', { labels: {}, hardware: {} });
    await gw.enroll(fleet, 'd-4', 'orin-16b', { labels: { site: 'lab', tier: '10.5' }, hardware: orin });
    await gw.enroll(fleet, 'd-5', 'retired', { labels: { site: 'plant-7' }, hardware: orin });
    await gw.enroll('other-fleet', 'd-9', 'orin-16', { labels: { site: 'plant-7' }, hardware: orin });
    const subject = gw.devices.subject('device', fleet, 'd-5');
    await gw.devices.append(
      subject,
      (await gw.devices.load(subject)).lastSeq,
      [{ type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet, deviceId: 'd-5', reason: 'retired' } }],
      { actor: { kind: 'operator', id: 'admin' }, correlationId: 'c-1', commandId: 'retire-d-5' },
    );
    const settled = async () => (await ids()).join() === 'd-1,d-2,d-3,d-4';
    for (let end = Date.now() + 10_000; !(await settled()) && Date.now() < end;) await new Promise((r) => setTimeout(r, 25));
  });
  afterAll(() => gw?.close());

  it('lists ids with each distinct hardware profile once, oldest enrollment first, never a decommissioned device', async () => {
    const page = await match({});
    expect(page.deviceIds).toEqual(['d-1', 'd-2', 'd-3', 'd-4']);
    expect(page.hardware).toHaveLength(3); // d-1 and d-4 share one
    expect(page.deviceIds.map((_, i) => page.hardware[page.hardwareOf[i]!])).toEqual([
      { accelerator: 'jetson-orin', memoryMb: 16_000, architecture: 'arm64' },
      { accelerator: 'jetson-orin', memoryMb: 4_000, architecture: 'arm64' },
      {},
      { accelerator: 'jetson-orin', memoryMb: 16_000, architecture: 'arm64' },
    ]);
    expect((await match({ deviceIds: ['d-4', 'd-5', 'd-9'] })).deviceIds).toEqual(['d-4']);
  });

  it('needs every clause to hold', async () => {
    expect(await ids(hw('accelerator', '=', 'jetson-orin'), hw('memoryMb', '>=', '8000'))).toEqual(['d-1', 'd-4']);
    expect(await ids(hw('accelerator', '=', 'jetson-orin'), label('site', '=', 'plant-7'), hw('memoryMb', '>=', '8000'))).toEqual(['d-1']);
  });

  it('compares numbers as numbers, labels too, and never orders a label that is not a number', async () => {
    expect(await ids(hw('memoryMb', '>', '9999'))).toEqual(['d-1', 'd-4']);
    expect(await ids(hw('memoryMb', '<', '9999'))).toEqual(['d-2']);
    expect(await ids(label('tier', '>=', '2'))).toEqual(['d-1', 'd-4']); // '10.5' is more than '2' as a number, not as text
    expect(await ids(label('tier', '<', '2'))).toEqual([]);
    expect(await ids(label('tier', '<=', '10.5'), label('tier', '>', '-1'))).toEqual(['d-1', 'd-4']);
    expect(await ids(label('site', '>', '1'))).toEqual([]);
  });

  it('treats an attribute a device does not report as equal to nothing and different from everything', async () => {
    expect(await ids(hw('accelerator', '=', 'jetson-orin'))).toEqual(['d-1', 'd-2', 'd-4']);
    expect(await ids(hw('accelerator', '!=', 'hailo-8'))).toEqual(['d-1', 'd-2', 'd-3', 'd-4']);
    expect(await ids(label('site', '!=', 'plant-7'))).toEqual(['d-3', 'd-4']);
    expect(await ids(hw('memoryMb', '<', '100000'))).toEqual(['d-1', 'd-2', 'd-4']);
    expect(await ids(hw('memoryMb', '=', '16000'))).toEqual(['d-1', 'd-4']);
  });

  it('pages through windows of the next `limit` active devices, listing the matching ones of each: a page may list none', async () => {
    const site = [label('site', '=', 'plant-7')];
    const first = await match({ where: site, limit: 1, pageCursors: true });
    expect(first.deviceIds).toEqual(['d-1']);
    expect(first.pageCursors).toHaveLength(3); // where d-2, d-3 and d-4 start: every active device, matching or not
    const pages = await Promise.all(first.pageCursors!.map((cursor) => match({ where: site, limit: 1, cursor })));
    expect(pages.map((p) => p.deviceIds)).toEqual([['d-2'], [], []]);
    expect(pages[1]!.nextCursor).toBe(first.pageCursors![2]); // nothing matched, and the walk goes on
    expect(pages[2]!.nextCursor).toBeUndefined();
    expect(pages[0]).toEqual({
      deviceIds: ['d-2'],
      hardware: [expect.objectContaining({ memoryMb: 4_000 })],
      hardwareOf: [0],
      nextCursor: first.pageCursors![1],
    });
  });

  it.each([
    ['an unknown hardware field', hw('gpu', '=', 'rtx')],
    ['an ordered comparison with text', label('tier', '>=', 'two')],
    ['a text hardware field ordered', hw('accelerator', '>', '3')],
    ['a memory size that is not a number', hw('memoryMb', '=', 'big')],
    ['a key that is not a label key', label('site; DROP TABLE devices', '=', 'x')],
  ])('refuses %s before any query', async (_, clause) => {
    await expect(match({ where: [clause] })).rejects.toMatchObject({ name: 'InvalidInput', code: 'request.invalid' });
  });
});
