import type { Sql } from '@keelson/postgres';
import type { RecordedEvent } from '../event-store.js';
import type { HandledTypes } from '../handled-types.js';
import type { StreamDeclaration } from '../streams.js';

/**
 * A read model fed by one stream. `apply` runs inside the transaction that also advances the
 * projection's checkpoint, so a read model changes exactly once per event.
 */
export interface Projection<E> {
  /** Names the durable consumer and the checkpoint, e.g. `audit-log`. Changing it rebuilds from scratch. */
  name: string;
  stream: StreamDeclaration;
  /** Unprefixed subjects to follow (defaults to the whole stream). */
  filterSubjects?: string[];
  /** Parses (and upcasts) a stored event; a DomainError here makes the message poison. */
  parse: (raw: unknown) => E;
  /**
   * The event types `apply` acts on; any other type is acknowledged without being validated or handed
   * over (see `EventReader`). Absent: every event is parsed and handed over.
   */
  handles?: HandledTypes<E>;
  apply: (sql: Sql, event: RecordedEvent<E>) => Promise<void>;
  /**
   * When present, the runner calls it once per batch, with the batch's events above the checkpoint in
   * stream order, instead of `apply` per event: a read model can then write a batch in a constant
   * number of statements. It must leave the read model as `apply` on each event in turn would.
   */
  applyBatch?: (sql: Sql, events: RecordedEvent<E>[]) => Promise<void>;
}
