import type { EventMetadata } from '@keelson/event-store';
import type { RequestContext } from './context.js';

/** The metadata of the events a command appends: its caller, ids and trace context. */
export function eventMetadataOf(ctx: RequestContext): EventMetadata {
  const meta: EventMetadata = { actor: ctx.actor, correlationId: ctx.correlationId, commandId: ctx.commandId };
  if (ctx.traceparent) meta.traceparent = ctx.traceparent;
  if (ctx.tracestate) meta.tracestate = ctx.tracestate;
  return meta;
}
