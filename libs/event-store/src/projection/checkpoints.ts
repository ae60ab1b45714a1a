import type { JsMsg } from '@nats-io/jetstream';
import type { Migration, Sql } from '@keelson/postgres';

/** The tables every projection runner keeps beside its read models. */
export const projectionMigrations: Migration[] = [
  {
    id: 'event-store-0001-projection-checkpoints',
    sql: `CREATE TABLE IF NOT EXISTS projection_checkpoints (
      projection text PRIMARY KEY,
      last_seq bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`,
  },
  {
    id: 'event-store-0002-dead-letters',
    sql: `CREATE TABLE IF NOT EXISTS projection_dead_letters (
      projection text NOT NULL,
      stream text NOT NULL,
      seq bigint NOT NULL,
      subject text NOT NULL,
      deliveries int NOT NULL,
      error text NOT NULL,
      payload text NOT NULL,
      headers jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (projection, stream, seq)
    )`,
  },
];

export async function readCheckpoint(sql: Sql, projection: string): Promise<number> {
  const rows = await sql.query<{ last_seq: string }>('SELECT last_seq FROM projection_checkpoints WHERE projection = $1', [projection]);
  return rows[0] ? Number(rows[0].last_seq) : 0;
}

/** Moves the checkpoint forward only: a late or repeated write can never move it back. */
export async function advanceCheckpoint(sql: Sql, projection: string, seq: number): Promise<void> {
  await sql.query(
    `INSERT INTO projection_checkpoints (projection, last_seq) VALUES ($1, $2)
     ON CONFLICT (projection) DO UPDATE SET last_seq = EXCLUDED.last_seq, updated_at = now()
     WHERE projection_checkpoints.last_seq < EXCLUDED.last_seq`,
    [projection, seq],
  );
}

/** A message a projection could not apply, kept whole so it can be inspected and replayed. */
export interface DeadLetter {
  projection: string;
  stream: string;
  seq: number;
  subject: string;
  deliveries: number;
  error: string;
  payload: string;
  headers: Record<string, string[]>;
}

const decoder = new TextDecoder();

/** The dead letter of a message `projection` could not apply, with what made it fail. */
export function deadLetterOf(projection: string, stream: string, m: JsMsg, err: unknown): DeadLetter {
  const headers: Record<string, string[]> = {};
  for (const key of m.headers?.keys() ?? []) headers[key] = m.headers!.values(key);
  return {
    projection,
    stream,
    seq: m.seq,
    subject: m.subject,
    deliveries: m.info.deliveryCount,
    error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    payload: decoder.decode(m.data),
    headers,
  };
}

export async function recordDeadLetter(sql: Sql, d: DeadLetter): Promise<void> {
  await sql.query(
    `INSERT INTO projection_dead_letters (projection, stream, seq, subject, deliveries, error, payload, headers)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
    [d.projection, d.stream, d.seq, d.subject, d.deliveries, d.error.slice(0, 4000), d.payload, JSON.stringify(d.headers)],
  );
}
