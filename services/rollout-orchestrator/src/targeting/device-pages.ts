import type { NatsConnection } from '@nats-io/transport-node';
import { gateway, type CommandOutput } from '@keelson/commands';
import type { EventStoreNaming } from '@keelson/event-store';
import { callCommand, type CommandContext } from '@keelson/service-kit';

/** What to page through: the fleet's active devices, maybe only those of some names or ids. */
export interface DeviceQuery {
  fleet: string;
  names?: string[];
  deviceIds?: string[];
}

const pageSize = 1000;
/** Pages asked for at once: enough to hide the round trips, few enough not to swamp the gateway. */
const pagesInFlight = 8;

type Page = CommandOutput<typeof gateway.findDevices>;

const before = (cursor: string | undefined, end: string | undefined) => cursor !== undefined && (end === undefined || BigInt(cursor) < BigInt(end));

/**
 * Every profile of the query, in the gateway's order (oldest enrollment first), each once. The
 * first page says where the others start, and they are fetched `pagesInFlight` at a time: a large
 * fleet costs a few round trips, not one per page. Each page covers up to where the next one
 * starts, going on from its own `nextCursor` if it stops short (the fleet changed in between);
 * a device seen on an earlier page is not repeated.
 */
export async function findAllDevices(nc: NatsConnection, naming: EventStoreNaming, ctx: CommandContext, query: DeviceQuery): Promise<gateway.DeviceProfile[]> {
  const find = (cursor?: string): Promise<Page> =>
    callCommand(nc, naming, gateway.findDevices, { ...query, limit: pageSize, ...(cursor === undefined ? { pageCursors: true } : { cursor }) }, ctx);
  const first = await find();
  const starts = first.pageCursors ?? (first.nextCursor ? [first.nextCursor] : []);
  // the devices from `page` on, up to where the next page starts (`end`, none for the last)
  const through = async (page: Page, end: string | undefined) => {
    const items = [...page.items];
    for (let p = page; before(p.nextCursor, end);) {
      p = await find(p.nextCursor);
      items.push(...p.items);
    }
    return items;
  };
  const ranges: gateway.DeviceProfile[][] = new Array(starts.length + 1);
  ranges[0] = await through(first, starts[0]);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < starts.length; i = next++) ranges[i + 1] = await through(await find(starts[i]), starts[i + 1]);
  };
  await Promise.all(Array.from({ length: Math.min(pagesInFlight, starts.length) }, worker));
  const seen = new Set<string>();
  const all: gateway.DeviceProfile[] = [];
  for (const profile of ranges.flat()) {
    if (seen.has(profile.deviceId)) continue;
    seen.add(profile.deviceId);
    all.push(profile);
  }
  return all;
}
