import { randomUUID } from 'node:crypto';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import { headerNames, type Actor } from '@keelson/event-store';

/** Who asks and which request this is: passed on into the events a command appends. */
export interface CommandContext {
  actor: Actor;
  commandId: string;
  correlationId: string;
}

const actorPattern = /^(operator|device|service|system):([A-Za-z0-9._@:-]{1,128})$/;
const idPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** A fresh context for a request a service starts itself (timers, reactors). */
export function newContext(actor: Actor, correlationId?: string): CommandContext {
  const commandId = randomUUID();
  return { actor, commandId, correlationId: correlationId ?? commandId };
}

export function contextHeaders(ctx: CommandContext): MsgHdrs {
  const h = natsHeaders();
  h.set(headerNames.actor, `${ctx.actor.kind}:${ctx.actor.id}`);
  h.set(headerNames.commandId, ctx.commandId);
  h.set(headerNames.correlationId, ctx.correlationId);
  return h;
}

/** Reads the context a caller sent; a missing or malformed part is replaced, never trusted. */
export function contextFrom(h: MsgHdrs | undefined): CommandContext {
  const actorMatch = actorPattern.exec(h?.get(headerNames.actor) ?? '');
  const actor: Actor = actorMatch ? { kind: actorMatch[1] as Actor['kind'], id: actorMatch[2]! } : { kind: 'system', id: 'unknown' };
  const commandId = h?.get(headerNames.commandId) ?? '';
  const correlationId = h?.get(headerNames.correlationId) ?? '';
  const id = idPattern.test(commandId) ? commandId : randomUUID();
  return { actor, commandId: id, correlationId: idPattern.test(correlationId) ? correlationId : id };
}
