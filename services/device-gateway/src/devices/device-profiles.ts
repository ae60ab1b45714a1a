import { InvalidInput } from '@keelson/domain-kit';
import { gateway, type RequestOutput } from '@keelson/requests';
import type { DeviceHardware } from '@keelson/events';
import type { Database } from '@keelson/postgres';
import { inIndexOrder } from './index-walk.js';
import { selectorConditions } from './selector-sql.js';

type Paging = { limit: number; cursor?: string; pageCursors?: boolean };
type FindDevices = Paging & { fleet: string; names?: string[]; deviceIds?: string[] };
type MatchDevices = Paging & { fleet: string; where?: gateway.SelectorClause[]; deviceIds?: string[] };
type PageOf<T> = { rows: T[]; nextCursor?: string; pageCursors?: string[] };

// The devices a query pages through: the active ones of the fleet, maybe by name or id, after the cursor.
const matching = `FROM devices
       WHERE fleet = $1 AND status = 'active'
         AND ($2::text[] IS NULL OR name = ANY($2::text[]) OR device_id = ANY($2::text[]))
         AND ($3::text[] IS NULL OR device_id = ANY($3::text[]))
         AND ($4::bigint IS NULL OR enrolled_seq > $4)`;

/** The next `$5 + 1` devices of a query in enrollment order, each with whether the selector's conditions (`where`) match it. */
export const windowQuery = (columns: string, where: string) => `SELECT ${columns}, enrolled_seq, (true${where}) AS matched
         FROM (SELECT device_id, name, labels, hardware, enrolled_seq ${matching} ORDER BY enrolled_seq LIMIT $5::int + 1) AS ahead
         ORDER BY enrolled_seq`;

/**
 * Answers `find-devices` and `match-devices` from the `devices` read model: the labels and hardware
 * rollout targeting matches selectors and hardware needs against. Decommissioned devices are never targets.
 */
export class DeviceProfiles {
  constructor(private readonly db: Database) {}

  async find(query: FindDevices): Promise<{ items: gateway.DeviceProfile[]; nextCursor?: string; pageCursors?: string[] }> {
    const { rows, ...paging } = await this.page<gateway.DeviceProfile & { enrolled_seq: string; matched: boolean }>(
      query,
      'device_id AS "deviceId", name, labels, hardware',
      [query.names ?? null, query.deviceIds ?? null],
    );
    return { items: rows.map(({ deviceId, name, labels, hardware }) => ({ deviceId, name, labels, hardware })), ...paging };
  }

  /** Ids and hardware only, the selector matched here; each distinct hardware profile parsed and sent once. */
  async match(query: MatchDevices): Promise<RequestOutput<typeof gateway.matchDevices>> {
    const where = selectorConditions(query.where ?? [], 6); // after the five of the page
    const { rows, ...paging } = await this.page<{ device_id: string; hardware: string; enrolled_seq: string; matched: boolean }>(
      query,
      'device_id, hardware::text AS hardware',
      [null, query.deviceIds ?? null],
      where,
    );
    const index = new Map<string, number>();
    const hardware: DeviceHardware[] = [];
    const hardwareOf = rows.map((r) => {
      let i = index.get(r.hardware);
      if (i === undefined) {
        i = hardware.push(JSON.parse(r.hardware) as DeviceHardware) - 1;
        index.set(r.hardware, i);
      }
      return i;
    });
    return { deviceIds: rows.map((r) => r.device_id), hardware, hardwareOf, ...paging };
  }

  /**
   * One page: the next `limit` devices of the query in enrollment order (a walk of the index on it,
   * stopped there), and of those the ones a selector's conditions match (parameters from $6 on).
   * The selector is applied to that window, not in the scan: PostgreSQL cannot tell how many
   * devices a label matches, and guessing few it read every device after the cursor and sorted
   * them, for every page (a fleet's worth of rows per page). So a page may list fewer than `limit`
   * devices, or none, and still have a `nextCursor`.
   */
  private async page<R extends { enrolled_seq: string; matched: boolean }>(
    query: Paging & { fleet: string },
    columns: string,
    filters: [string[] | null, string[] | null],
    where = { sql: '', params: [] as string[] },
  ): Promise<PageOf<R>> {
    if (query.cursor !== undefined && !/^[1-9][0-9]{0,15}$/.test(query.cursor)) {
      throw new InvalidInput('request.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
    }
    const params = [query.fleet, ...filters, query.cursor === undefined ? null : Number(query.cursor), query.limit];
    const text = windowQuery(columns, where.sql);
    // the fleet's devices in enrollment order: the index walk always (names or ids are looked up by their own indexes)
    const wholeFleet = filters.every((f) => f === null);
    const [window, pageCursors] = await Promise.all([
      wholeFleet ? inIndexOrder<R>(this.db, text, [...params, ...where.params]) : this.db.query<R>(text, [...params, ...where.params]),
      query.pageCursors ? this.pageCursors(params) : undefined,
    ]);
    const rows = window.slice(0, query.limit).filter((r) => r.matched);
    if (window.length <= query.limit) return { rows };
    const nextCursor = window[query.limit - 1]!.enrolled_seq.toString();
    return pageCursors ? { rows, nextCursor, pageCursors } : { rows, nextCursor };
  }

  /**
   * Where each page after this one starts: the sequence of every `limit`-th device, as long as a
   * device follows it (the last page ends the list). Read from the index of enrollment order, ids only.
   */
  private async pageCursors(params: unknown[]): Promise<string[]> {
    const rows = await this.db.query<{ enrolled_seq: string }>(
      `SELECT enrolled_seq FROM (
         SELECT enrolled_seq, row_number() OVER (ORDER BY enrolled_seq) AS n, count(*) OVER () AS total
         FROM (SELECT enrolled_seq ${matching} ORDER BY enrolled_seq LIMIT $5::int * $6::int + 1) AS head
       ) AS numbered WHERE n % $5::int = 0 AND n < total ORDER BY enrolled_seq`,
      [...params, gateway.maxPageCursors],
    );
    return rows.map((r) => r.enrolled_seq.toString());
  }
}
