import type { Database, Sql } from '@keelson/postgres';

/**
 * "One open experiment per group", made safe against two creations at once (two replicas, or two
 * people): a creation checks and writes its hold on the group under a transaction-scoped advisory
 * lock per fleet and group, and commits the hold only once its `ExperimentCreated` is appended. The
 * read model alone could not say it: it trails a creation that has just been appended. A hold counts
 * as open until the read model shows its experiment ended; a creation refused before its append
 * rolls its hold back with it.
 */
export class ExperimentGroupHolds {
  constructor(private readonly db: Database) {}

  /** Runs `fn` holding the creation lock of `fleet`/`groupId`; a hold it writes commits with it. */
  serialised<T>(fleet: string, groupId: string, fn: (holds: GroupHoldsTx) => Promise<T>): Promise<T> {
    return this.db.transaction(async (sql) => {
      await sql.query(`SELECT pg_advisory_xact_lock(hashtext('keelson.experiment-groups'), hashtext($1))::text AS locked`, [
        `${fleet}/${groupId}`,
      ]);
      return fn(new GroupHoldsTx(sql, fleet, groupId));
    });
  }
}

/** The holds on one group, inside its creation lock. */
export class GroupHoldsTx {
  constructor(
    private readonly sql: Sql,
    private readonly fleet: string,
    private readonly groupId: string,
  ) {}

  /** The experiments holding the group that the read model does not show ended (or does not show yet). */
  async open(): Promise<string[]> {
    const rows = await this.sql.query<{ experiment_id: string }>(
      `SELECT h.experiment_id FROM experiment_group_holds h
       LEFT JOIN experiment_summaries s ON s.fleet = h.fleet AND s.experiment_id = h.experiment_id
       WHERE h.fleet = $1 AND h.group_id = $2 AND (s.status IS NULL OR s.status IN ('running', 'inconclusive'))
       ORDER BY h.experiment_id`,
      [this.fleet, this.groupId],
    );
    return rows.map((r) => r.experiment_id);
  }

  /** Holds the group for `experimentId`; visible to other creations once this transaction commits. */
  async hold(experimentId: string): Promise<void> {
    await this.sql.query('INSERT INTO experiment_group_holds (fleet, group_id, experiment_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      this.fleet,
      this.groupId,
      experimentId,
    ]);
  }
}
