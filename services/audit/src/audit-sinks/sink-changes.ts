import type { audit } from '@keelson/requests';
import type { Database, Migration, Sql } from '@keelson/postgres';
import type { RequestContext } from '@keelson/service-kit';

type SinkChange = audit.SinkChange;

// A sink change and the record of who made it commit together: the api appends the operator event
// (it owns EV_OPERATORS) and then confirms, so a change whose event never got appended (the api died
// or JetStream failed in between) stays here until the api's relay appends it.
export const sinkChangesMigrations: Migration[] = [
  {
    id: 'audit-0007-sink-changes',
    sql: `CREATE TABLE IF NOT EXISTS audit_sink_changes (
      command_id text PRIMARY KEY,
      correlation_id text NOT NULL,
      actor jsonb NOT NULL,
      kind text NOT NULL,
      sink jsonb NOT NULL,
      made_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`,
  },
];

/** Keeps the change made by the command of `ctx`, inside the transaction that makes it. */
export async function keepSinkChange(sql: Sql, ctx: RequestContext, kind: SinkChange['kind'], sink: SinkChange['sink']): Promise<void> {
  await sql.query('INSERT INTO audit_sink_changes (command_id, correlation_id, actor, kind, sink) VALUES ($1, $2, $3, $4, $5)', [
    ctx.commandId,
    ctx.correlationId,
    JSON.stringify({ kind: ctx.actor.kind, id: ctx.actor.id }),
    kind,
    JSON.stringify(sink),
  ]);
}

interface ChangeRow {
  command_id: string;
  correlation_id: string;
  actor: SinkChange['actor'];
  kind: SinkChange['kind'];
  sink: SinkChange['sink'];
}

/** Changes at least `olderThanSeconds` old whose event the api has not confirmed, oldest first. */
export async function unrecordedSinkChanges(db: Database, olderThanSeconds: number, limit: number): Promise<SinkChange[]> {
  const rows = await db.query<ChangeRow>(
    `SELECT command_id, correlation_id, actor, kind, sink FROM audit_sink_changes
     WHERE made_at <= clock_timestamp() - make_interval(secs => $1) ORDER BY made_at, command_id LIMIT $2`,
    [olderThanSeconds, limit],
  );
  return rows.map((r) => ({ commandId: r.command_id, correlationId: r.correlation_id, actor: r.actor, kind: r.kind, sink: r.sink }));
}

/** Forgets a change whose event is appended; true if it was still kept. */
export async function forgetSinkChange(db: Database, commandId: string): Promise<boolean> {
  const rows = await db.query('DELETE FROM audit_sink_changes WHERE command_id = $1 RETURNING command_id', [commandId]);
  return rows.length > 0;
}
