import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { gateway } from '@keelson/requests';
import { handlerFor, serveRequests } from '@keelson/service-kit';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { findAllDevices, matchAllDevices } from './device-pages.js';

const fleet = 'plant-7';
const ctx = { actor: { kind: 'operator', id: 'ada' } as const, correlationId: 'c-1', commandId: 'create' };
const profile = (n: number): gateway.DeviceProfile => ({ deviceId: `d-${n}`, name: `cam-${n}`, labels: {}, hardware: {} });

/**
 * `find-devices` over real NATS, backed by memory: device n enrolled at sequence n, pages as the
 * gateway pages them (after the cursor, `limit` at a time). `starts` plays the page starts the gateway
 * read a moment before: this is how they look after the fleet changed in between.
 */
function pagedFleet(seqs: number[], starts: number[]) {
  const asked: (string | undefined)[] = [];
  const handler = handlerFor(gateway.findDevices, async (input) => {
    asked.push(input.cursor);
    const after = seqs.filter((s) => s > Number(input.cursor ?? 0));
    const items = after.slice(0, input.limit).map(profile);
    if (after.length <= input.limit) return { items };
    const nextCursor = String(after[input.limit - 1]);
    return input.pageCursors ? { items, nextCursor, pageCursors: starts.map(String) } : { items, nextCursor };
  });
  return { asked, handler };
}

describe('findAllDevices: every page of find-devices, several at once', () => {
  let nc: NatsConnection;
  let served: Subscription[] = [];
  const naming = testNamespace();
  const serve = (fake: ReturnType<typeof pagedFleet>) => (served = serveRequests(nc, naming, [fake.handler]));
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  beforeAll(async () => (nc = await connectTestNats()));
  afterEach(async () => Promise.all(served.map((s) => s.drain())));
  afterAll(() => nc?.close());

  it('returns each device once, in enrollment order, fetching the pages from where the first one says they start', async () => {
    const fake = pagedFleet(range(1, 3500), [1000, 2000, 3000]);
    serve(fake);
    const ids = (await findAllDevices(nc, naming, ctx, { fleet })).map((p) => p.deviceId);
    expect(ids).toEqual(range(1, 3500).map((n) => `d-${n}`));
    expect(fake.asked.sort()).toEqual([undefined, '1000', '2000', '3000'].sort());
  });

  it('goes on from a page that stops short of the next start, and drops the devices a page repeats of the next', async () => {
    // starts read before devices 1001–1200 left (the page from 1000 reaches 2200, into the next) and
    // while more devices were active (the page from 2000 ends at 3000, short of 3600)
    const seqs = [...range(1, 1000), ...range(1201, 5000)];
    const fake = pagedFleet(seqs, [1000, 2000, 3600]);
    serve(fake);
    const ids = (await findAllDevices(nc, naming, ctx, { fleet })).map((p) => p.deviceId);
    expect(ids).toEqual(seqs.map((n) => `d-${n}`));
    expect(fake.asked).toContain('3000'); // the page from 2000 went on
  });

  it('pages on one at a time from a gateway that lists no starts', async () => {
    const fake = pagedFleet(range(1, 2500), []);
    serve(fake);
    expect(await findAllDevices(nc, naming, ctx, { fleet })).toHaveLength(2500);
    expect(fake.asked).toEqual([undefined, '1000', '2000']);
  });

  it('matches through the lean pages: the clauses reach the gateway, each device comes back with its own hardware', async () => {
    const where: gateway.SelectorClause[] = [{ source: 'label', key: 'site', op: '=', value: 'north' }];
    const asked: unknown[] = [];
    const big = { accelerator: 'jetson-orin', memoryMb: 16_000 };
    const ids = range(1, 1500).map((n) => `d-${n}`);
    served = serveRequests(nc, naming, [
      handlerFor(gateway.matchDevices, async (input) => {
        asked.push(input.where);
        const page = input.cursor === undefined ? ids.slice(0, 1000) : ids.slice(1000);
        const hardwareOf = page.map((d) => (Number(d.slice(2)) % 2 === 0 ? 1 : 0));
        return input.cursor === undefined
          ? { deviceIds: page, hardware: [{}, big], hardwareOf, nextCursor: '1000', pageCursors: ['1000'] }
          : { deviceIds: page, hardware: [{}, big], hardwareOf };
      }),
    ]);
    const devices = await matchAllDevices(nc, naming, ctx, { fleet, where });
    expect(devices.map((d) => d.deviceId)).toEqual(ids);
    expect(devices[0]).toEqual({ deviceId: 'd-1', hardware: {} });
    expect(devices[1499]).toEqual({ deviceId: 'd-1500', hardware: big });
    expect(asked).toEqual([where, where]);
  });
});
