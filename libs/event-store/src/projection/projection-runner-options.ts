import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Database } from '@keelson/postgres';
import type { EventStoreNaming } from '../naming.js';
import type { Projection } from './projection.js';
import type { WriteFence } from './write-fence.js';

export interface ProjectionRunnerOptions<E> {
  nc: NatsConnection;
  naming: EventStoreNaming;
  db: Database;
  projection: Projection<E>;
  batchSize?: number;
  /** Deliveries after which a message that keeps failing goes to the dead-letter table. */
  maxDeliver?: number;
  /** Wait before a failed message is redelivered. */
  retryDelayMs?: number;
  /**
   * How long one pull request waits on the server before it is renewed (at least 1000, a nats.js floor;
   * default `PULL_EXPIRES_MS`).
   * Events are applied as they arrive, not when a pull ends.
   */
  fetchExpiresMs?: number;
  /**
   * How long a batch stays open for more events after its first one arrived (default 50 ms): each
   * batch costs a transaction and a checkpoint write, so under a stream of events a short wait
   * turns one-event batches into full ones; the read model lags by at most this much more.
   */
  lingerMs?: number;
  /** Told about every failure (for logs and metrics); `msg` is absent when a fetch failed. */
  onError?: (err: unknown, msg?: JsMsg) => void;
  /**
   * The lease of a single-active runner: its start takes a token (see `takeFence`), every transaction
   * stores it and refuses to commit once a later holder wrote or the lease lapsed (see `claimFence`).
   * Such a runner has its consumer to itself (see `GapRecovery`). Absent: no fencing, and the
   * consumer may be shared.
   */
  fence?: WriteFence;
}

/** The options with their defaults filled in. */
export type RunnerSettings<E> = Required<Omit<ProjectionRunnerOptions<E>, 'onError' | 'fence'>> &
  Pick<ProjectionRunnerOptions<E>, 'onError' | 'fence'>;
