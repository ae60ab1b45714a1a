import type { JsMsg } from '@nats-io/jetstream';
import type { Sql } from '@keelson/postgres';
import type { RecordedEvent } from './event-store.js';
import { readEventMetadata } from './headers.js';

const decoder = new TextDecoder();

/** The event types a consumer acts on, checked against the consumer's own event union. */
export type HandledTypes<E> = readonly (E extends { type: infer T extends string } ? T : string)[];

/**
 * What a runner does with each delivered message of one consumer: decode its JSON, and then either
 * pass it over (undefined) because its type is one the consumer does not act on, or parse and
 * validate it. A consumer of a whole stream sees every type its writer appends, most of which it
 * skips (the gateway's credential revocations act on one device event in seven): validating those
 * with zod and reading their headers was a tenth of the orchestrator's CPU (bench/README.md).
 *
 * Only a JSON object whose `type` is a string outside `handles` is passed over; a message that is
 * not JSON throws here as before, and one without a usable `type`, or of a handled type, goes through
 * `parse` and its errors as before. Without `handles`, every event is parsed.
 */
export class EventReader<E> {
  private readonly handles: ReadonlySet<string> | undefined;

  constructor(
    private readonly parse: (raw: unknown) => E,
    handles?: readonly string[],
  ) {
    this.handles = handles ? new Set(handles) : undefined;
  }

  /** The recorded event, or undefined for one the consumer does not act on. */
  read(m: JsMsg): RecordedEvent<E> | undefined {
    const raw: unknown = JSON.parse(decoder.decode(m.data));
    if (this.isPassedOver(raw)) return undefined;
    return {
      event: this.parse(raw),
      seq: m.seq,
      subject: m.subject,
      time: new Date(Math.floor(m.info.timestampNanos / 1_000_000)),
      meta: readEventMetadata(m.headers),
    };
  }

  private isPassedOver(raw: unknown): boolean {
    if (!this.handles || typeof raw !== 'object' || raw === null) return false;
    const type = (raw as { type?: unknown }).type;
    return typeof type === 'string' && !this.handles.has(type);
  }
}

/** One handler per event type a consumer acts on, each given the event of its own type after `A` (a projection's `sql`). */
export type HandlersByType<E extends { type: string }, A extends unknown[] = []> = {
  [T in E['type']]?: (...args: [...A, RecordedEvent<Extract<E, { type: T }>>]) => Promise<void>;
};

/** The types with a handler, and a dispatch that hands each event to its type's handler. */
function dispatcher<E extends { type: string }, A extends unknown[]>(handlers: HandlersByType<E, A>) {
  const byType = new Map(Object.entries(handlers) as [string, ((...args: unknown[]) => Promise<void>) | undefined][]);
  const handles = [...byType].filter(([, h]) => h !== undefined).map(([type]) => type) as unknown as HandledTypes<E>;
  const dispatch = async (...args: [...A, RecordedEvent<E>]): Promise<void> => {
    const recorded = args[args.length - 1] as RecordedEvent<E>;
    await byType.get(recorded.event.type)?.(...args);
  };
  return { handles, dispatch };
}

/**
 * A reactor's `handles` and `handle` from one handler per event type: the list is read from the
 * handlers, so a type is listed exactly when something handles it (never handled but passed over,
 * nor listed but skipped by a switch). Spread it into the reactor.
 */
export function reactorHandlers<E extends { type: string }>(
  handlers: HandlersByType<E>,
): { handles: HandledTypes<E>; handle: (recorded: RecordedEvent<E>) => Promise<void> } {
  const { handles, dispatch } = dispatcher(handlers);
  return { handles, handle: dispatch };
}

/** A projection's `handles` and `apply` from one handler per event type, as `reactorHandlers`. */
export function projectionHandlers<E extends { type: string }>(
  handlers: HandlersByType<E, [Sql]>,
): { handles: HandledTypes<E>; apply: (sql: Sql, recorded: RecordedEvent<E>) => Promise<void> } {
  const { handles, dispatch } = dispatcher(handlers);
  return { handles, apply: dispatch };
}
