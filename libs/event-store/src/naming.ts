import { InvalidInput } from '@keelson/domain-kit';

/**
 * Prefixes that keep one installation's (or one test's) streams and subjects apart from another's
 * on a shared server. Production uses empty prefixes.
 */
export interface EventStoreNaming {
  /** Prepended to stream and consumer names, e.g. `T3F9A1C2_`. */
  streamPrefix: string;
  /** Prepended to every subject, e.g. `t3f9a1c2.`. */
  subjectPrefix: string;
}

export const productionNaming: EventStoreNaming = { streamPrefix: '', subjectPrefix: '' };

// DESIGN: fleet and ids are subject-safe tokens; validate them where they enter.
const token = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Throws InvalidInput unless `value` can be one token of a NATS subject. */
export function assertSubjectToken(what: string, value: string): void {
  if (!token.test(value)) {
    throw new InvalidInput('subject.invalid-token', [{ path: [what], message: `'${value}' must match ${token.source}` }]);
  }
}

/** `ev.<aggregate>.<fleet>.<id>`: the subject of an aggregate (its events', unless the aggregate is typed: see `typed-subjects.ts`). */
export function aggregateSubject(naming: EventStoreNaming, aggregate: string, fleet: string, id: string): string {
  assertSubjectToken('aggregate', aggregate);
  assertSubjectToken('fleet', fleet);
  assertSubjectToken('id', id);
  return `${naming.subjectPrefix}ev.${aggregate}.${fleet}.${id}`;
}
