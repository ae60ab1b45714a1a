import { jest } from '@jest/globals';
import { eventually } from '@keelson/testing';
import { DevicePresenceStore } from './device-presence.store.js';
import { startDeviceHalf, type DeviceHalfApp } from '../test-fixtures/device-half-app.js';

describe('DevicePresenceStore.recordSeen', () => {
  let half: DeviceHalfApp;
  beforeAll(async () => (half = await startDeviceHalf()));
  afterAll(() => half.close());

  const lastSeen = async (deviceId: string): Promise<number | null> => {
    const [row] = await half.db.query<{ at: Date | string | null }>('SELECT last_seen_at AS at FROM devices WHERE device_id = $1', [
      deviceId,
    ]);
    return row?.at ? new Date(row.at).getTime() : null;
  };

  it('moves many devices forward in one statement and never back', async () => {
    const ids = ['d-seen-c', 'd-seen-a', 'd-seen-b'];
    for (const id of ids) await half.enroll('plant-7', id, id);
    await eventually(async () => (await half.db.query('SELECT 1 FROM devices WHERE device_id = ANY($1)', [ids])).length === 3);
    const store = new DevicePresenceStore(half.db);
    const later = new Date('2030-01-01T00:00:00Z');
    await store.recordSeen(new Map(ids.map((id) => [id, later])));
    await store.recordSeen(
      new Map([
        ['d-seen-a', new Date('2029-01-01T00:00:00Z')],
        ['d-unknown', later],
      ]),
    );
    expect(await Promise.all(ids.map(lastSeen))).toEqual([later.getTime(), later.getTime(), later.getTime()]);
  });
});

describe('DevicePresenceStore.recordHello', () => {
  let half: DeviceHalfApp;
  beforeAll(async () => (half = await startDeviceHalf()));
  afterAll(() => half.close());

  const app = (version: string) => [{ name: 'app', version, sha256: 'a'.repeat(64) }];
  const row = async (deviceId: string) => {
    const [r] = await half.db.query<{ installed: unknown; hardware: unknown; at: Date | string | null }>(
      'SELECT installed, hardware, last_seen_at AS at FROM devices WHERE device_id = $1',
      [deviceId],
    );
    return r && { installed: r.installed, hardware: r.hardware, at: r.at ? new Date(r.at).getTime() : null };
  };

  it('writes the hellos of one turn in one statement, and resolves each once its row is written', async () => {
    const ids = ['d-hello-c', 'd-hello-a', 'd-hello-b'];
    for (const id of ids) await half.enroll('plant-7', id, id);
    await eventually(async () => (await half.db.query('SELECT 1 FROM devices WHERE device_id = ANY($1)', [ids])).length === 3);
    const store = new DevicePresenceStore(half.db);
    const query = jest.spyOn(half.db, 'query');
    const at = new Date('2030-02-01T00:00:00Z');
    await Promise.all(ids.map((id, i) => store.recordHello(id, at, app(`1.0.${i}`), i === 0 ? { memoryMb: 512 } : undefined)));
    expect(query).toHaveBeenCalledTimes(1);
    query.mockRestore();
    expect(await Promise.all(ids.map(row))).toEqual([
      { installed: app('1.0.0'), hardware: { memoryMb: 512 }, at: at.getTime() },
      { installed: app('1.0.1'), hardware: {}, at: at.getTime() },
      { installed: app('1.0.2'), hardware: {}, at: at.getTime() },
    ]);
  });

  it('refuses (to be retried) only the hello of a device whose row is not projected yet; the others of its batch are written', async () => {
    await half.enroll('plant-7', 'd-hello-known', 'd-hello-known');
    await eventually(async () => (await row('d-hello-known')) !== undefined);
    const store = new DevicePresenceStore(half.db);
    const at = new Date('2030-03-01T00:00:00Z');
    const [known, unknown] = await Promise.allSettled([
      store.recordHello('d-hello-known', at, app('2.0.0'), undefined),
      store.recordHello('d-hello-unprojected', at, app('2.0.0'), undefined),
    ]);
    expect(known.status).toBe('fulfilled');
    expect(unknown.status).toBe('rejected');
    expect(String((unknown as PromiseRejectedResult).reason)).toMatch(/d-hello-unprojected is not in the devices read model yet/);
    expect(await row('d-hello-known')).toEqual({ installed: app('2.0.0'), hardware: {}, at: at.getTime() });
  });

  it('merges two hellos of one device in a batch as if written in turn: later list and time, hardware kept when the later has none', async () => {
    await half.enroll('plant-7', 'd-hello-twice', 'd-hello-twice');
    await eventually(async () => (await row('d-hello-twice')) !== undefined);
    const store = new DevicePresenceStore(half.db);
    const first = new Date('2030-04-01T00:00:00Z');
    const second = new Date('2030-04-02T00:00:00Z');
    await Promise.all([
      store.recordHello('d-hello-twice', first, app('3.0.0'), { memoryMb: 256 }),
      store.recordHello('d-hello-twice', second, app('3.0.1'), undefined),
    ]);
    expect(await row('d-hello-twice')).toEqual({ installed: app('3.0.1'), hardware: { memoryMb: 256 }, at: second.getTime() });
  });
});
