import { gateway, type RequestInput } from '@keelson/requests';
import { sendRequest } from '@keelson/service-kit';
import { eventually } from '@keelson/testing';
import { startDeviceHalf, type DeviceHalfApp } from '../test-fixtures/device-half-app.js';
import { DevicePresenceStore } from './device-presence.store.js';

const fleet = 'plant-4';
const app = (name: string, version: string) => ({ name, version, sha256: 'a'.repeat(64) });

// Issue 15, item 2: the devices page at fleet size narrows and orders in the gateway's query, not in the browser.
describe('list-devices filters and sort, and count-installed-versions (groups-edit)', () => {
  let gw: DeviceHalfApp;
  const list = (input: Omit<RequestInput<typeof gateway.listDevices>, 'fleet'>) =>
    sendRequest(gw.nc, gw.naming, gateway.listDevices, { fleet, ...input });
  const names = async (input: Omit<RequestInput<typeof gateway.listDevices>, 'fleet'>) => (await list(input)).items.map((d) => d.name);

  beforeAll(async () => {
    gw = await startDeviceHalf();
    await gw.enroll(fleet, 'd-41', 'zeta-cam', { labels: { site: 'north' } });
    await gw.enroll(fleet, 'd-42', 'alpha-cam', { labels: { site: 'south' } });
    await gw.enroll(fleet, 'd-43', 'mid_cam', { labels: { site: 'north', line: '2' } });
    await gw.enroll(fleet, 'd-44', 'beta-cam', { labels: { site: 'north' } });
    await gw.enroll('other-fleet', 'd-49', 'alpha-cam');
    await eventually(async () => (await list({})).items.length === 4);
    const hellos = new DevicePresenceStore(gw.db);
    const at = new Date();
    await Promise.all([
      hellos.recordHello('d-41', at, [app('yolo', '2.1.0')], undefined),
      hellos.recordHello('d-42', at, [app('yolo', '2.0.0'), app('cfg', '1.0.0')], undefined),
      hellos.recordHello('d-43', at, [app('yolo', '2.1.0')], undefined),
    ]);
  });
  afterAll(() => gw?.close());

  it('searches a piece of the name or id, with % and _ taken literally', async () => {
    expect(await names({ search: 'CAM', sort: 'name' })).toEqual(['alpha-cam', 'beta-cam', 'mid_cam', 'zeta-cam']);
    expect(await names({ search: 'd-43' })).toEqual(['mid_cam']);
    expect(await names({ search: '_' })).toEqual(['mid_cam']);
    expect(await names({ search: '%' })).toEqual([]);
  });

  it('narrows by label, installed artifact or version, status and reachability, all together', async () => {
    expect(await names({ label: 'site=north', sort: 'name' })).toEqual(['beta-cam', 'mid_cam', 'zeta-cam']);
    expect(await names({ installed: 'yolo@2.1.0', sort: 'name' })).toEqual(['mid_cam', 'zeta-cam']);
    expect(await names({ installed: 'cfg' })).toEqual(['alpha-cam']);
    expect(await names({ label: 'site=north', installed: 'yolo', search: 'zeta' })).toEqual(['zeta-cam']);
    expect(await names({ status: 'decommissioned' })).toEqual([]);
    expect(await names({ reachable: true })).toEqual([]);
    expect(await names({ reachable: false, status: 'active' })).toHaveLength(4);
  });

  it('sorts by name a page at a time, each cursor reading on in the same order', async () => {
    const first = await list({ sort: 'name', limit: 3 });
    expect(first.items.map((d) => d.name)).toEqual(['alpha-cam', 'beta-cam', 'mid_cam']);
    const second = await list({ sort: 'name', limit: 3, cursor: first.nextCursor });
    expect(second).toEqual({ items: [expect.objectContaining({ name: 'zeta-cam' })] });
    expect(await names({})).toEqual(['beta-cam', 'mid_cam', 'alpha-cam', 'zeta-cam']); // newest first by default
  });

  it('refuses filters and cursors that are not one, naming the field', async () => {
    await expect(list({ label: 'north' })).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringContaining('key=value') });
    await expect(list({ sort: 'name', cursor: '12' })).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringContaining('cursor'),
    });
  });

  it('counts active devices per installed version across the fleet', async () => {
    await expect(sendRequest(gw.nc, gw.naming, gateway.countInstalledVersions, { fleet })).resolves.toEqual({
      activeDevices: 4,
      withoutArtifacts: 1,
      versions: [
        { name: 'yolo', version: '2.1.0', devices: 2 },
        { name: 'cfg', version: '1.0.0', devices: 1 },
        { name: 'yolo', version: '2.0.0', devices: 1 },
      ],
    });
  });
});
