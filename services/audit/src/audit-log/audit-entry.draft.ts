import { InvalidInput } from '@keelson/domain-kit';
import type { RecordedEvent } from '@keelson/event-store';
import type { AuditEntryDraft } from '../audit-chain/audit-entry.js';
import type { AuditedEvent } from './audited-event.js';
import { referencesOf } from './event-references.js';

const token = /^[a-z0-9][a-z0-9-]{0,62}$/;
const family = /^[a-z][a-z-]{0,31}$/;

/**
 * `ev.<aggregate>.<fleet>.<id>` behind the prefix, or `ev.<aggregate>.<fleet>.<id>.<EventType>` (typed
 * subjects): the fleet and family come from where the event is stored, and the aggregate's subject
 * is the same for all its events, stored before typed subjects or after.
 */
export function placeOf(subject: string, subjectPrefix: string): { family: string; fleet: string; aggregateSubject: string } {
  const tokens = subject.startsWith(subjectPrefix) ? subject.slice(subjectPrefix.length).split('.') : [];
  const [ev, aggregate, fleet] = tokens;
  if (ev !== 'ev' || tokens.length < 4 || !aggregate || !family.test(aggregate) || !fleet || !token.test(fleet)) {
    throw new InvalidInput('audit.unplaceable-event', [{ path: ['subject'], message: `'${subject}' is not ev.<aggregate>.<fleet>.<id>` }]);
  }
  return { family: aggregate, fleet, aggregateSubject: `${subjectPrefix}${tokens.slice(0, 4).join('.')}` };
}

/**
 * What the audit keeps of an event's data. TUF signing events carry whole metadata documents:
 * public, but large and served by the facade anyway, so the audit keeps everything but `metadata`
 * (the role, version, expiry and target paths say what was signed).
 */
export function keptData(familyName: string, data: Record<string, unknown>): Record<string, unknown> {
  if (familyName !== 'tuf' || !('metadata' in data)) return data;
  const { metadata: _omitted, ...rest } = data;
  return rest;
}

/** The audit entry of one stored event, before the chain places it. */
export function draftEntry(stream: string, subjectPrefix: string, recorded: RecordedEvent<AuditedEvent>): AuditEntryDraft {
  const { event, meta } = recorded;
  const place = placeOf(recorded.subject, subjectPrefix);
  return {
    stream,
    seq: recorded.seq,
    fleet: place.fleet,
    subject: place.aggregateSubject,
    family: place.family,
    type: event.type,
    schemaVersion: event.schemaVersion,
    recognised: event.recognised,
    actor: `${meta.actor.kind}:${meta.actor.id}`,
    correlationId: meta.correlationId,
    time: recorded.time.toISOString(),
    ...referencesOf(place.family, event.data),
    data: keptData(place.family, event.data),
  };
}
