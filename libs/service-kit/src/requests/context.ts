import { randomUUID } from 'node:crypto';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { headerNames, isMetadataId, parseActor, type Actor } from '@keelson/event-store';

/** Who asks and which request this is: passed on into the events a command appends. */
export interface RequestContext {
  actor: Actor;
  commandId: string;
  correlationId: string;
  /** W3C trace context of the caller, carried on into the events the command appends. */
  traceparent?: string;
  tracestate?: string;
}

const traceparentPattern = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const tracestatePattern = /^[\x20-\x7e]{1,512}$/;

/** A fresh context for a request a service starts itself (timers, reactors). */
export function newContext(actor: Actor, correlationId?: string): RequestContext {
  const commandId = randomUUID();
  return { actor, commandId, correlationId: correlationId ?? commandId };
}

export function contextHeaders(ctx: RequestContext): MsgHdrs {
  const h = natsHeaders();
  h.set(headerNames.actor, `${ctx.actor.kind}:${ctx.actor.id}`);
  h.set(headerNames.commandId, ctx.commandId);
  h.set(headerNames.correlationId, ctx.correlationId);
  if (ctx.traceparent) h.set(headerNames.traceparent, ctx.traceparent);
  if (ctx.tracestate) h.set(headerNames.tracestate, ctx.tracestate);
  return h;
}

/** Reads the context a caller sent; a missing or malformed part is replaced, never trusted. */
export function contextFrom(h: MsgHdrs | undefined): RequestContext {
  const actor: Actor = parseActor(h?.get(headerNames.actor) ?? '') ?? { kind: 'system', id: 'unknown' };
  const commandId = h?.get(headerNames.commandId) ?? '';
  const correlationId = h?.get(headerNames.correlationId) ?? '';
  const id = isMetadataId(commandId) ? commandId : randomUUID();
  const ctx: RequestContext = { actor, commandId: id, correlationId: isMetadataId(correlationId) ? correlationId : id };
  const traceparent = h?.get(headerNames.traceparent) ?? '';
  const tracestate = h?.get(headerNames.tracestate) ?? '';
  if (traceparentPattern.test(traceparent)) ctx.traceparent = traceparent;
  if (ctx.traceparent && tracestatePattern.test(tracestate)) ctx.tracestate = tracestate;
  return ctx;
}
