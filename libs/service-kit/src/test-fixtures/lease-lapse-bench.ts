import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { applyStreams, type StreamDeclaration, type WriteFence } from '@keelson/event-store';
import { openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import { loadServiceConfig, type ServiceConfig } from '../config.js';
import type { LeaseTiming } from '../lease/runner-lease.js';
import { RunnerLeases } from '../lease/runner-leases.js';
import type { Worker } from '../runner/module-declaration.js';

// Valid 1.5 s after each renewal is sent, gone from the server 2.5 s after it lands: a stall of 1.7 s
// lapses the lease here while the server still has it as ours; one of 3.2 s lets it expire there too.
export const lapseTiming: LeaseTiming = { ttlMs: 2_500, renewMs: 200, pollMs: 100, marginMs: 1_000 };
export const devices = 8;
export const total = 160;
/** The event in whose handling the spec makes the lease lapse (in the fifth batch of ten). */
export const stallAt = 41;

/** Blocks the event loop: the process is merely slow, as under a load average of 50 on 2 cores. */
export function stall(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

export const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

export interface Handled {
  seq: number;
  device: string;
}

/**
 * Real NATS and PostgreSQL for the lease lapse specs: per test a stream of `total` events over
 * `devices` subjects (`d0`…), a table of what was handled in the order handled, and a runner run
 * single-active under short leases (`lapseTiming`) whose log lines are kept.
 */
export class LeaseLapseBench {
  readonly naming = testNamespace();
  readonly config: ServiceConfig = loadServiceConfig('lapse-spec', {
    KEELSON_NATS_URL: 'nats://unused',
    KEELSON_STREAM_PREFIX: this.naming.streamPrefix,
    KEELSON_SUBJECT_PREFIX: this.naming.subjectPrefix,
  });
  nc!: NatsConnection;
  db!: Database;
  private tdb!: TestDatabase;

  async open(): Promise<void> {
    this.nc = await connectTestNats();
    this.tdb = await createTestDatabase();
    this.db = await openDatabase({ url: this.tdb.url });
  }

  async close(): Promise<void> {
    await this.db.close();
    await this.nc.close();
    await this.tdb.drop();
  }

  async prepare(name: string): Promise<StreamDeclaration> {
    const stream: StreamDeclaration = {
      name: `EV_${name.toUpperCase()}`,
      subjects: [`ev.lapse.${name}.>`],
      description: 'lease lapse tests',
    };
    await applyStreams(await jetstreamManager(this.nc), this.naming, [stream]);
    await this.db.query(`CREATE TABLE ${name} (id bigserial PRIMARY KEY, seq bigint NOT NULL, device text NOT NULL)`);
    const js = jetstream(this.nc);
    for (let i = 1; i <= total; i++)
      await js.publish(`${this.naming.subjectPrefix}ev.lapse.${name}.d${i % devices}`, JSON.stringify({ i }));
    return stream;
  }

  /** Records that the event at `seq` on `subject` was handled (in a projection, inside its transaction). */
  record(sql: Pick<Database, 'query'>, table: string, seq: number, subject: string): Promise<unknown> {
    return sql.query(`INSERT INTO ${table} (seq, device) VALUES ($1, $2)`, [seq, subject.split('.').at(-1)]);
  }

  async handled(table: string): Promise<Handled[]> {
    const rows = await this.db.query<{ seq: string; device: string }>(`SELECT seq, device FROM ${table} ORDER BY id`);
    return rows.map((r) => ({ seq: Number(r.seq), device: r.device }));
  }

  /** `run` single-active under its own lease (`kind` names its consumer, as the runners do), and the lease's log lines. */
  singleActive(name: string, kind: 'react' | 'proj', run: (fence: WriteFence) => Worker): { worker: Worker; log: string[] } {
    const log: string[] = [];
    const leases = new RunnerLeases({
      nc: this.nc,
      config: this.config,
      timing: lapseTiming,
      log: (l) => log.push(l),
      onError: (err) => log.push(`error ${String(err)}`),
    });
    return { worker: leases.singleActive(name, `${this.naming.streamPrefix}${kind}-${name}`, run), log };
  }
}

/** How many tenures the log shows: more than one once the runner lost its lease and ran again. */
export const tenures = (log: string[]) => log.filter((l) => l.startsWith('took the lease')).length;
