import type { NatsConnection } from '@nats-io/transport-node';
import { gateway } from '@keelson/requests';
import type { EventStoreNaming } from '@keelson/event-store';
import type { DeviceHardware } from '@keelson/events';
import { sendRequest, type RequestContext } from '@keelson/service-kit';

/** What to page through: the fleet's active devices, maybe only those of some names or ids. */
export interface DeviceQuery {
  fleet: string;
  names?: string[];
  deviceIds?: string[];
}

/** What to match: the fleet's active devices, maybe only those a selector's clauses match, or of some ids. */
export interface DeviceMatch {
  fleet: string;
  where?: gateway.SelectorClause[];
  deviceIds?: string[];
}

/** A device as a lean `match-devices` page names it. */
export interface DeviceFit {
  deviceId: string;
  hardware: DeviceHardware;
}

const pageSize = 1000;
/** Pages asked for at once: enough to hide the round trips, few enough not to swamp the gateway. */
const pagesInFlight = 8;

interface Paged {
  nextCursor?: string;
  pageCursors?: string[];
}

const before = (cursor: string | undefined, end: string | undefined) =>
  cursor !== undefined && (end === undefined || BigInt(cursor) < BigInt(end));

/**
 * Every device of a paged query, in the gateway's order (oldest enrollment first), each once. The
 * first page says where the others start, and they are fetched `pagesInFlight` at a time: a large
 * fleet costs a few round trips, not one per page. Each page covers up to where the next one
 * starts, going on from its own `nextCursor` if it stops short (the fleet changed in between);
 * a device seen on an earlier page is not repeated.
 */
async function allPages<P extends Paged, T extends { deviceId: string }>(
  find: (cursor?: string) => Promise<P>,
  itemsOf: (page: P) => T[],
): Promise<T[]> {
  const first = await find();
  const starts = first.pageCursors ?? (first.nextCursor ? [first.nextCursor] : []);
  // the devices from `page` on, up to where the next page starts (`end`, none for the last)
  const through = async (page: P, end: string | undefined) => {
    const items = itemsOf(page);
    for (let p = page; before(p.nextCursor, end);) {
      p = await find(p.nextCursor);
      items.push(...itemsOf(p));
    }
    return items;
  };
  const ranges: T[][] = new Array(starts.length + 1);
  ranges[0] = await through(first, starts[0]);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < starts.length; i = next++) ranges[i + 1] = await through(await find(starts[i]), starts[i + 1]);
  };
  await Promise.all(Array.from({ length: Math.min(pagesInFlight, starts.length) }, worker));
  const seen = new Set<string>();
  const all: T[] = [];
  for (const item of ranges.flat()) {
    if (seen.has(item.deviceId)) continue;
    seen.add(item.deviceId);
    all.push(item);
  }
  return all;
}

const paging = (cursor: string | undefined) => ({ limit: pageSize, ...(cursor === undefined ? { pageCursors: true } : { cursor }) });

/** Every targeting profile of the query (`find-devices`): names, labels and hardware. */
export function findAllDevices(
  nc: NatsConnection,
  naming: EventStoreNaming,
  ctx: RequestContext,
  query: DeviceQuery,
): Promise<gateway.DeviceProfile[]> {
  return allPages(
    (cursor) => sendRequest(nc, naming, gateway.findDevices, { ...query, ...paging(cursor) }, ctx),
    (page) => [...page.items],
  );
}

/**
 * Every device the match names (`match-devices`), with its hardware: the selector is matched in the
 * gateway's query, and only ids and hardware come back, so a large fleet's pages stay small.
 */
export function matchAllDevices(
  nc: NatsConnection,
  naming: EventStoreNaming,
  ctx: RequestContext,
  match: DeviceMatch,
): Promise<DeviceFit[]> {
  return allPages(
    (cursor) => sendRequest(nc, naming, gateway.matchDevices, { ...match, ...paging(cursor) }, ctx),
    (page) => page.deviceIds.map((deviceId, i) => ({ deviceId, hardware: page.hardware[page.hardwareOf[i]!]! })),
  );
}
