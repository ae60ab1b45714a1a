import type { RecordedEvent } from '../event-store.js';
import type { EventMetadata } from '../headers.js';
import type { HandledTypes } from '../handled-types.js';
import type { StreamDeclaration } from '../streams.js';

/**
 * Something that acts on events of a stream (a process manager, a signer, a publisher): unlike a
 * projection it has no read-model transaction, so `handle` must be idempotent — a message is
 * redelivered whenever the process stops between acting and acknowledging.
 */
export interface Reactor<E> {
  /** Names the durable consumer, e.g. `signer-targets`. */
  name: string;
  stream: StreamDeclaration;
  /** Unprefixed subjects to follow (defaults to the whole stream). */
  filterSubjects?: string[];
  /** Parses (and upcasts) a stored event; a DomainError here makes the message poison. */
  parse: (raw: unknown) => E;
  /**
   * The event types `handle` acts on; any other type is acknowledged without being validated or handed
   * over (see `EventReader`). Absent: every event is parsed and handed over.
   */
  handles?: HandledTypes<E>;
  handle: (event: RecordedEvent<E>) => Promise<void>;
  /**
   * The trace context a message carries in its payload instead of its headers (a device's report over
   * MQTT, which has no headers): the parent of the message's consumer span. Absent, or undefined for
   * a message: the headers' context.
   */
  traceOf?: (event: RecordedEvent<E>) => Pick<EventMetadata, 'traceparent'> | undefined;
}
