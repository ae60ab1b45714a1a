import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { InvalidInput } from '@keelson/domain-kit';

/** Who caused an event: an operator, a device, a service or the system itself. */
export interface Actor {
  kind: 'operator' | 'device' | 'service' | 'system';
  id: string;
}

/** Transport facts of an event; they travel in NATS headers, never in the event's data. */
export interface EventMetadata {
  actor: Actor;
  /** Ties together everything one operator request or device message set off. */
  correlationId: string;
  /** Id of the command that decided the event; the event id is `<commandId>:<index>`. */
  commandId: string;
  /** W3C trace context, so a trace follows the event across NATS hops. */
  traceparent?: string;
  tracestate?: string;
}

export const headerNames = {
  actor: 'Keelson-Actor',
  correlationId: 'Keelson-Correlation-Id',
  commandId: 'Keelson-Command-Id',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  msgId: 'Nats-Msg-Id',
} as const;

const actorPattern = /^(operator|device|service|system):([A-Za-z0-9._@:-]{1,128})$/;
const idPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** The actor a `Keelson-Actor` value (`<kind>:<id>`) names, or undefined when it is malformed. */
export function parseActor(value: string): Actor | undefined {
  const m = actorPattern.exec(value);
  return m ? { kind: m[1] as Actor['kind'], id: m[2]! } : undefined;
}

/** Whether `value` may be a correlation or command id (what the id headers accept). */
export function isMetadataId(value: string): boolean {
  return idPattern.test(value);
}

/** The id of the `index`-th event a command decided: stable across retries, so JetStream de-duplicates. */
export function eventId(commandId: string, index: number): string {
  return `${commandId}:${index}`;
}

export function assertValidMetadata(meta: EventMetadata): void {
  const issues = [];
  if (!actorPattern.test(`${meta.actor.kind}:${meta.actor.id}`)) issues.push({ path: ['actor'], message: 'invalid actor' });
  if (!isMetadataId(meta.correlationId)) issues.push({ path: ['correlationId'], message: 'invalid correlation id' });
  if (!isMetadataId(meta.commandId)) issues.push({ path: ['commandId'], message: 'invalid command id' });
  if (issues.length) throw new InvalidInput('event-metadata.invalid', issues);
}

/** Builds the headers of the `index`-th event of a decision. */
export function eventHeaders(meta: EventMetadata, index: number): MsgHdrs {
  const h = natsHeaders();
  h.set(headerNames.msgId, eventId(meta.commandId, index));
  h.set(headerNames.actor, `${meta.actor.kind}:${meta.actor.id}`);
  h.set(headerNames.correlationId, meta.correlationId);
  h.set(headerNames.commandId, meta.commandId);
  if (meta.traceparent) h.set(headerNames.traceparent, meta.traceparent);
  if (meta.tracestate) h.set(headerNames.tracestate, meta.tracestate);
  return h;
}

/** Reads an event's metadata back from its headers; events without them are system events. */
export function readEventMetadata(h: MsgHdrs | undefined): EventMetadata {
  const meta: EventMetadata = {
    actor: parseActor(h?.get(headerNames.actor) ?? '') ?? { kind: 'system', id: 'unknown' },
    correlationId: h?.get(headerNames.correlationId) || 'unknown',
    commandId: h?.get(headerNames.commandId) || 'unknown',
  };
  const traceparent = h?.get(headerNames.traceparent);
  const tracestate = h?.get(headerNames.tracestate);
  if (traceparent) meta.traceparent = traceparent;
  if (tracestate) meta.tracestate = tracestate;
  return meta;
}
