import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { trace } from '@opentelemetry/api';
import { InvalidInput } from '@keelson/domain-kit';
import type { RequestContract, RequestReply } from '@keelson/requests';
import { toInputIssues } from '@keelson/events';
import { contextFrom, type RequestContext } from './context.js';
import { toReplyError } from './reply-error.js';
import { inServedSpan } from './served-span.js';

function parseRequest(contract: RequestContract, msg: Msg): unknown {
  let raw: unknown;
  try {
    raw = msg.data.length ? JSON.parse(msg.string()) : {};
  } catch {
    throw new InvalidInput('request.malformed', [{ path: [], message: 'the request is not JSON' }]);
  }
  const parsed = contract.input.safeParse(raw);
  if (!parsed.success) throw new InvalidInput('request.invalid', toInputIssues(parsed.error));
  return parsed.data;
}

/**
 * A request as read the moment it arrives: its subject, where to answer, and its parsed input and
 * context (or why it could not be read). The Msg itself is not kept while the handler runs: its
 * payload is a view into the connection's read buffer (nats.js), so a request waiting on a slow
 * handler (a database round trip under load) kept that whole buffer, up to 64 KiB of everything the
 * connection had received, alive; promoted to the old generation, until the next full collection.
 */
export interface ReadRequest {
  subject: string;
  reply: string | undefined;
  read: { input: unknown; ctx: RequestContext } | { failed: unknown };
}

export function readRequest(contract: RequestContract, msg: Msg): ReadRequest {
  const { subject, reply } = msg;
  try {
    return { subject, reply, read: { input: parseRequest(contract, msg), ctx: contextFrom(msg.headers) } };
  } catch (failed) {
    return { subject, reply, read: { failed } };
  }
}

const encoder = new TextEncoder();

/** Told about every request that failed for a reason other than a domain refusal. */
export type OnRequestError = (err: unknown, subject: string) => void;

/**
 * Runs a request that was read and answers `{ ok, result }` (the output checked against the
 * contract) or `{ ok: false, error }` (`reply-error.ts`); nothing is sent to a request without a reply
 * subject. All of it runs in the request's server span (`inServedSpan`).
 */
export async function answerRequest(
  nc: NatsConnection,
  contract: RequestContract,
  request: ReadRequest,
  run: (input: unknown, ctx: RequestContext) => Promise<unknown>,
  onError?: OnRequestError,
): Promise<void> {
  await inServedSpan(contract, request, async () => {
    let reply: RequestReply;
    try {
      if ('failed' in request.read) throw request.read.failed;
      reply = { ok: true, result: contract.output.parse(await run(request.read.input, request.read.ctx)) };
    } catch (err) {
      reply = { ok: false, error: toReplyError(err) };
      if (reply.error.kind === 'Internal' || reply.error.kind === 'Unavailable') {
        trace.getActiveSpan()?.recordException(err instanceof Error ? err : String(err));
        onError?.(err, request.subject);
      }
    }
    if (request.reply) nc.publish(request.reply, encoder.encode(JSON.stringify(reply)));
    return reply;
  });
}
