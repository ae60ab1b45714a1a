import type { Database } from '@keelson/postgres';

/**
 * A view of a database that hands what a transaction collected to `deliver` once that transaction
 * has committed, and drops it if it rolled back. The projection runner runs one transaction at a
 * time, so one pending list per runner is enough.
 */
export function afterCommit<T>(db: Database, deliver: (items: T[]) => void): { db: Database; collect(item: T): void } {
  let pending: T[] = [];
  return {
    collect: (item) => {
      pending.push(item);
    },
    db: {
      orm: db.orm,
      query: (text, params) => db.query(text, params),
      close: () => db.close(),
      async transaction(fn) {
        pending = [];
        try {
          const result = await db.transaction(fn);
          const committed = pending;
          pending = [];
          if (committed.length) deliver(committed);
          return result;
        } catch (err) {
          pending = [];
          throw err;
        }
      },
    },
  };
}
