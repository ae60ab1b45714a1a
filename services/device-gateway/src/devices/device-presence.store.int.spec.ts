import { DevicePresenceStore } from './device-presence.store.js';
import { eventually, startDeviceHalf, type DeviceHalfApp } from '../test-fixtures/device-half-app.js';

describe('DevicePresenceStore.recordSeen', () => {
  let half: DeviceHalfApp;
  beforeAll(async () => (half = await startDeviceHalf()));
  afterAll(() => half.close());

  const lastSeen = async (deviceId: string): Promise<number | null> => {
    const [row] = await half.db.query<{ at: Date | string | null }>('SELECT last_seen_at AS at FROM devices WHERE device_id = $1', [deviceId]);
    return row?.at ? new Date(row.at).getTime() : null;
  };

  it('moves many devices forward in one statement and never back', async () => {
    const ids = ['d-seen-c', 'd-seen-a', 'd-seen-b'];
    for (const id of ids) await half.enroll('plant-7', id, id);
    await eventually(async () => (await half.db.query('SELECT 1 FROM devices WHERE device_id = ANY($1)', [ids])).length === 3);
    const store = new DevicePresenceStore(half.db);
    const later = new Date('2030-01-01T00:00:00Z');
    await store.recordSeen(new Map(ids.map((id) => [id, later])));
    await store.recordSeen(new Map([['d-seen-a', new Date('2029-01-01T00:00:00Z')], ['d-unknown', later]]));
    expect(await Promise.all(ids.map(lastSeen))).toEqual([later.getTime(), later.getTime(), later.getTime()]);
  });
});
