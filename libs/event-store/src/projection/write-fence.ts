import type { Database, Migration, Sql } from '@keelson/postgres';

/**
 * The lease a single-active runner writes under: a fencing token that grows with every new holder,
 * and whether this process may still count itself the holder right now.
 */
export interface WriteFence {
  /**
   * The lease's revision when this holder took it: every later holder's is larger, as long as the
   * lease bucket lives. A runner's own token is the larger of it and the stored fence + 1 (`takeFence`).
   */
  readonly token: number;
  /** False once the lease may have passed to another process; checked before each commit. */
  isHeld(): boolean;
  /**
   * Told by a runner that stopped consuming because the fence refused it (the lease lapsed, or a later
   * holder wrote): whoever runs it under the lease ends this tenure, and starts a new one once the lease
   * is renewed or taken again. Without it such a runner would sit stopped while its lease lives on.
   */
  refused?(why: string): void;
}

/** A write refused because a later holder's token is in the database, or this holder's lease lapsed. */
export class FencedOut extends Error {
  constructor(
    readonly projection: string,
    readonly token: number,
    why: string,
  ) {
    super(`projection '${projection}': write refused for lease token ${token}: ${why}`);
    this.name = new.target.name;
  }
}

/**
 * How long a fenced transaction may sit idle between statements before PostgreSQL ends the session
 * (and rolls it back): shorter than the lease's safety margin, so a holder frozen mid-transaction
 * (SIGSTOP, a long GC pause) cannot commit after its lease passed on, nor hold the row lock that
 * the next holder's first write waits for.
 */
export const FENCED_IDLE_MS = 2_000;

export const fenceMigrations: Migration[] = [
  {
    id: 'event-store-0003-projection-fence',
    sql: 'ALTER TABLE projection_checkpoints ADD COLUMN IF NOT EXISTS fence bigint NOT NULL DEFAULT 0',
  },
];

/**
 * First write of a tenure: stores and returns this holder's token, larger than every token stored
 * before and at least the lease's revision. Not the revision alone: a lease bucket made again (deleted
 * by hand, lost with its stream) counts revisions from 1 again, and every stored token would refuse
 * every new holder. Holding the row lock, two tenures take distinct tokens in turn.
 */
export async function takeFence(sql: Sql, projection: string, leaseToken: number): Promise<number> {
  await sql.query(`SELECT set_config('idle_in_transaction_session_timeout', $1, true)`, [`${FENCED_IDLE_MS}ms`]);
  const rows = await sql.query<{ fence: string }>(
    `INSERT INTO projection_checkpoints (projection, last_seq, fence) VALUES ($1, 0, $2)
     ON CONFLICT (projection) DO UPDATE SET fence = GREATEST(projection_checkpoints.fence + 1, EXCLUDED.fence)
     RETURNING fence`,
    [projection, leaseToken],
  );
  return Number(rows[0]!.fence);
}

/**
 * First statement of a fenced transaction: locks the projection's checkpoint row and stores the
 * token there, unless a larger one is stored (a later holder wrote): then `FencedOut`. Holding the
 * row lock, transactions of two holders follow each other, never interleave.
 */
export async function claimFence(sql: Sql, projection: string, token: number): Promise<void> {
  await sql.query(`SELECT set_config('idle_in_transaction_session_timeout', $1, true)`, [`${FENCED_IDLE_MS}ms`]);
  const rows = await sql.query<{ fence: string }>(
    `INSERT INTO projection_checkpoints (projection, last_seq, fence) VALUES ($1, 0, $2)
     ON CONFLICT (projection) DO UPDATE SET fence = EXCLUDED.fence WHERE projection_checkpoints.fence <= EXCLUDED.fence
     RETURNING fence`,
    [projection, token],
  );
  if (!rows.length) throw new FencedOut(projection, token, 'a later holder has written');
}

/** Last step of a fenced transaction, just before its commit: the lease must still be held. */
export function assertStillHeld(fence: WriteFence, projection: string, token = fence.token): void {
  if (!fence.isHeld()) throw new FencedOut(projection, token, 'the lease lapsed');
}

/** Starts a tenure: takes and stores this holder's token (see `takeFence`) while the lease is held. */
export function beginTenure(db: Database, projection: string, fence: WriteFence): Promise<number> {
  return db.transaction(async (sql) => {
    const token = await takeFence(sql, projection, fence.token);
    assertStillHeld(fence, projection, token);
    return token;
  });
}

/** Runs `work` between the fence claim (first statement) and the lease check (last); unfenced, just runs it. */
export async function withinFence<T>(
  sql: Sql,
  fence: WriteFence | undefined,
  projection: string,
  token: number,
  work: () => Promise<T>,
): Promise<T> {
  if (!fence) return work();
  await claimFence(sql, projection, token);
  const result = await work();
  assertStillHeld(fence, projection, token);
  return result;
}
