import { InvalidInput } from '@keelson/domain-kit';

/**
 * One page of `items` the way the real read models page: at most `limit`, and a `nextCursor` when
 * more follow. The fakes' cursor is an offset; callers must treat it as opaque, as with the real ones.
 */
export function pageOf<T>(items: T[], page: { limit: number; cursor?: string }): { items: T[]; nextCursor?: string } {
  const from = page.cursor === undefined ? 0 : Number(page.cursor);
  if (!Number.isInteger(from) || from < 0)
    throw new InvalidInput('request.invalid', [{ path: ['cursor'], message: 'not a cursor this query returned' }]);
  const to = from + page.limit;
  return to < items.length ? { items: items.slice(from, to), nextCursor: String(to) } : { items: items.slice(from, to) };
}
