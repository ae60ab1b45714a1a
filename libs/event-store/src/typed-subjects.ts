import { InvalidInput } from '@keelson/domain-kit';
import type { EventStoreNaming } from './naming.js';
import type { StreamDeclaration } from './streams.js';

/*
 * Typed subjects. An aggregate listed in its stream's `typedAggregates` stores each event on
 * `ev.<aggregate>.<fleet>.<id>.<EventType>` instead of `ev.<aggregate>.<fleet>.<id>`, so a consumer
 * receives only the types it handles (`filter_subjects`), instead of being delivered, and acking,
 * every event of the stream and skipping most of them.
 *
 * Nothing stored is rewritten: an installation from before keeps untyped events on
 * `ev.<aggregate>.<fleet>.<id>`, all of them older than any typed one of the same aggregate (every
 * writer of a release with typed subjects writes typed events only). So:
 * - a load reads the untyped subject and `<subject>.*`, merged in stream order;
 * - a consumer filtered by type also follows `ev.<aggregate>.*.*` (the untyped events);
 * - an append expects the last sequence of `<subject>.*` (`Nats-Expected-Last-Subject-Sequence-Subject`).
 *   The version a writer read is the sequence of the aggregate's last event: when that event is an
 *   untyped one, the aggregate has no typed event yet, and the check must expect 0. The store tries
 *   the version first and 0 after a refusal (`EventStore.append`): 0 passes only while no typed event
 *   exists, so of two writers racing to make the first typed append, one is refused.
 */

const eventType = /^[A-Z][A-Za-z0-9]{0,63}$/;

/** `<subject>.<type>`: where a typed aggregate's event of `type` is stored. */
export function typedSubject(subject: string, type: string): string {
  if (!eventType.test(type)) {
    throw new InvalidInput('subject.invalid-event-type', [{ path: ['type'], message: `'${type}' must match ${eventType.source}` }]);
  }
  return `${subject}.${type}`;
}

/** Whether the (prefixed) aggregate subject `ev.<aggregate>.<fleet>.<id>` belongs to a typed aggregate of `stream`. */
export function isTypedAggregateSubject(stream: StreamDeclaration, naming: EventStoreNaming, subject: string): boolean {
  if (!stream.typedAggregates?.length || !subject.startsWith(naming.subjectPrefix)) return false;
  const aggregate = subject.slice(naming.subjectPrefix.length).split('.')[1];
  return aggregate !== undefined && stream.typedAggregates.includes(aggregate);
}

/**
 * The unprefixed subjects a consumer of `stream` follows, narrowed to the event types it `handles`:
 * each `ev.<aggregate>.>` of a typed aggregate becomes `ev.<aggregate>.*.*` (the untyped events stored
 * before typed subjects, which must not be skipped) and `ev.<aggregate>.*.*.<Type>` per handled type.
 * Every other subject, and everything when the consumer handles every type, stays as it is.
 */
export function typedFilterSubjects(stream: StreamDeclaration, subjects: readonly string[], handles?: readonly string[]): string[] {
  if (!handles || !stream.typedAggregates?.length) return [...subjects];
  return subjects.flatMap((s) => {
    const aggregate = /^ev\.([a-z0-9-]+)\.>$/.exec(s)?.[1];
    if (!aggregate || !stream.typedAggregates!.includes(aggregate)) return [s];
    return [`ev.${aggregate}.*.*`, ...[...new Set(handles)].sort().map((t) => `ev.${aggregate}.*.*.${t}`)];
  });
}
