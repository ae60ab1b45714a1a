import { randomBytes } from 'node:crypto';
import type { audit, RequestOutput, ParsedRequestInput } from '@keelson/requests';
import { NotFound, RuleViolation } from '@keelson/domain-kit';
import type { Database } from '@keelson/postgres';
import type { RequestContext } from '@keelson/service-kit';
import { forgetSinkChange, keepSinkChange, unrecordedSinkChanges } from './sink-changes.js';
import type { SinkSecrets } from './sink-secrets.js';

type AuditSink = RequestOutput<typeof audit.showSink>;

/** A sink's row as read for an answer (bigints arrive as text). */
interface SinkRow {
  sink_id: string;
  fleet: string;
  name: string;
  url: string;
  position: string | number;
  failures: number;
  dead_letters: number;
  paused: boolean;
  last_error: string | null;
  created_at: string;
}

// The sealed secret is never read here: only a delivery opens it.
const sinkColumns = `sink_id, fleet, name, url, position, failures, dead_letters, paused, last_error,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at`;

/** A row as an answer shows it: everything but the sealed secret. */
export function sinkOfRow(r: SinkRow): AuditSink {
  return {
    sinkId: r.sink_id,
    fleet: r.fleet,
    name: r.name,
    url: r.url,
    position: Number(r.position),
    failures: r.failures,
    deadLetters: r.dead_letters,
    paused: r.paused,
    createdAt: r.created_at,
    ...(r.last_error ? { lastError: r.last_error } : {}),
  };
}

/** The name a sink gets when none is given: its host, as a subject-safe token. */
export function defaultSinkName(url: string): string {
  const host = new URL(url).hostname
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+/, '');
  return (host || 'sink').slice(0, 63);
}

/**
 * The operator's side of the sinks: add, list, show, remove, resume. Bad input changes nothing; a
 * change commits together with the record of who made it (sink-changes.ts), so none goes unaudited.
 */
export class AuditSinks {
  constructor(
    private readonly db: Database,
    private readonly secrets: SinkSecrets,
  ) {}

  async add(input: ParsedRequestInput<typeof audit.addSink>, ctx: RequestContext): Promise<AuditSink> {
    this.secrets.requireConfigured();
    const name = input.name ?? defaultSinkName(input.url);
    const [head] = await this.db.query<{ position: string }>('SELECT position FROM audit_chain_head');
    const last = Number(head!.position);
    const position = input.from === 'now' ? last : input.from === 'start' ? 0 : input.from.position - 1;
    if (position > last)
      throw new RuleViolation('audit.sink-position-ahead', `position ${position + 1} is past the end of the audit log (${last} entries)`);
    const sinkId = `s-${randomBytes(8).toString('hex')}`;
    const sealed = await this.secrets.seal(sinkId, input.secret);
    return this.db.transaction(async (sql) => {
      const [row] = await sql.query<SinkRow>(
        `INSERT INTO audit_sinks (sink_id, fleet, name, url, sealed_secret, position) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (fleet, name) DO NOTHING RETURNING ${sinkColumns}`,
        [sinkId, input.fleet, name, input.url, sealed, position],
      );
      if (!row)
        throw new RuleViolation(
          'audit.sink-exists',
          `fleet ${input.fleet} already has a sink named '${name}': remove it first or pick another --name`,
        );
      const sink = sinkOfRow(row);
      await keepSinkChange(sql, ctx, 'added', sink);
      return sink;
    });
  }

  async list(fleet: string): Promise<AuditSink[]> {
    const rows = await this.db.query<SinkRow>(`SELECT ${sinkColumns} FROM audit_sinks WHERE fleet = $1 ORDER BY name`, [fleet]);
    return rows.map(sinkOfRow);
  }

  async show(fleet: string, name: string): Promise<AuditSink> {
    const [row] = await this.db.query<SinkRow>(`SELECT ${sinkColumns} FROM audit_sinks WHERE fleet = $1 AND name = $2`, [fleet, name]);
    if (!row) throw new NotFound('audit-sink', name);
    return sinkOfRow(row);
  }

  /** Removes the sink (waiting for a delivery in flight to finish with it) and its sealed secret. */
  async remove(fleet: string, name: string, ctx: RequestContext): Promise<AuditSink> {
    const sink = await this.changeOne(
      ctx,
      'removed',
      name,
      `DELETE FROM audit_sinks WHERE fleet = $1 AND name = $2 RETURNING ${sinkColumns}`,
      [fleet, name],
    );
    this.secrets.forget(sink.sinkId);
    return sink;
  }

  resume(fleet: string, name: string, ctx: RequestContext): Promise<AuditSink> {
    const resume = `UPDATE audit_sinks SET paused = false, failures = 0, next_attempt_at = now() WHERE fleet = $1 AND name = $2 RETURNING ${sinkColumns}`;
    return this.changeOne(ctx, 'resumed', name, resume, [fleet, name]);
  }

  unrecordedChanges(olderThanSeconds: number, limit: number): Promise<audit.SinkChange[]> {
    return unrecordedSinkChanges(this.db, olderThanSeconds, limit);
  }

  forgetChange(commandId: string): Promise<boolean> {
    return forgetSinkChange(this.db, commandId);
  }

  /** Runs `statement` on the named sink and keeps the change, in one transaction. */
  private changeOne(
    ctx: RequestContext,
    kind: 'resumed' | 'removed',
    name: string,
    statement: string,
    params: unknown[],
  ): Promise<AuditSink> {
    return this.db.transaction(async (sql) => {
      const [row] = await sql.query<SinkRow>(statement, params);
      if (!row) throw new NotFound('audit-sink', name);
      const sink = sinkOfRow(row);
      await keepSinkChange(sql, ctx, kind, sink);
      return sink;
    });
  }
}
