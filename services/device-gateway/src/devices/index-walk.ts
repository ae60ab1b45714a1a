import type { Database } from '@keelson/postgres';

/**
 * Runs a query whose only good plan is a walk of an index in its ORDER BY order, stopped at its
 * LIMIT, whatever PostgreSQL's statistics say: the sort is disabled for its transaction, so a
 * plan that reads every matching row and sorts them loses to the ordered walk. The case it
 * guards: a `devices` table just filled by a burst of enrollments and not analyzed yet. The
 * planner then guesses a hundred devices after a page's cursor, reads all of them (50,000 at the
 * middle of a 100,000-device fleet) and top-N sorts them, per page: 100 pages of a selector took
 * 2.6 CPU-s of PostgreSQL there, against 0.16 s walking the index (scratch PostgreSQL 18).
 */
export function inIndexOrder<R extends object>(db: Database, text: string, params: unknown[]): Promise<R[]> {
  return db.transaction(async (sql) => {
    await sql.query('SET LOCAL enable_sort = off');
    return sql.query<R>(text, params);
  });
}
