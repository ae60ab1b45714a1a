import { InvalidInput } from '@keelson/domain-kit';
import type { gateway, ParsedRequestInput } from '@keelson/requests';

type Filters = Pick<ParsedRequestInput<typeof gateway.listDevices>, 'search' | 'status' | 'label' | 'installed' | 'reachable' | 'sort'>;

const badCursor = () => new InvalidInput('request.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
const seqPattern = /^[1-9][0-9]{0,15}$/;

/** The SQL of one page of `list-devices`: filters as parameters (never spliced in), keyset paging in the sort's order. */
export interface DeviceListSql {
  where: string;
  order: string;
  params: unknown[];
}

// `%`, `_` and `\` in a search are literal characters, not patterns.
const likeOf = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function deviceListSql(fleet: string, filters: Filters, cursor: string | undefined): DeviceListSql {
  const params: unknown[] = [fleet];
  const clauses = ['fleet = $1'];
  const add = (clause: (n: number) => string, ...values: unknown[]) => {
    clauses.push(clause(params.length + 1));
    params.push(...values);
  };
  if (filters.search !== undefined) add((n) => `(name ILIKE $${n} OR device_id ILIKE $${n})`, likeOf(filters.search));
  if (filters.status !== undefined) add((n) => `status = $${n}`, filters.status);
  if (filters.reachable !== undefined) add((n) => `reachable = $${n}`, filters.reachable);
  if (filters.label !== undefined) {
    const at = filters.label.indexOf('=');
    add((n) => `labels @> $${n}::jsonb`, JSON.stringify({ [filters.label.slice(0, at).trim()]: filters.label.slice(at + 1).trim() }));
  }
  if (filters.installed !== undefined) {
    const [name, version] = filters.installed.split('@');
    add((n) => `installed @> $${n}::jsonb`, JSON.stringify([version === undefined ? { name } : { name, version }]));
  }
  if (filters.sort === 'name') {
    if (cursor !== undefined) {
      const [seq, ...rest] = cursor.split('.');
      if (!seqPattern.test(seq ?? '') || rest.length !== 1) throw badCursor();
      add((n) => `(name, enrolled_seq) > ($${n}, $${n + 1}::bigint)`, Buffer.from(rest[0]!, 'base64url').toString('utf8'), Number(seq));
    }
    return { where: clauses.join(' AND '), order: 'name, enrolled_seq', params };
  }
  if (cursor !== undefined) {
    if (!seqPattern.test(cursor)) throw badCursor();
    add((n) => `enrolled_seq < $${n}`, Number(cursor));
  }
  return { where: clauses.join(' AND '), order: 'enrolled_seq DESC', params };
}

/** The cursor that reads on after `last` in the sort's order. */
export function deviceListCursor(sort: Filters['sort'], last: { name: string; enrolled_seq: string | number }): string {
  return sort === 'name' ? `${last.enrolled_seq}.${Buffer.from(last.name, 'utf8').toString('base64url')}` : String(last.enrolled_seq);
}
