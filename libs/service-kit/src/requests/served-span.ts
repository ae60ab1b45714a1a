import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RequestContract, RequestReply } from '@keelson/requests';
import { traceContextOf } from '@keelson/event-store';
import type { ReadRequest } from './request.js';

const tracer = trace.getTracer('@keelson/service-kit');

// The service could not do its job; a refusal (invalid input, not found, a rule) is an answer, as a 4xx is for HTTP servers.
const failures: ReadonlySet<string> = new Set(['Internal', 'Unavailable']);

/**
 * Answers a request in a server span, a child of the caller's trace context (the `traceparent` in its
 * NATS headers), so what the handler appends or asks meanwhile hangs under it. The span names the
 * subject and the contract and ends with the outcome: `ok` or the reply's error kind and code, with
 * error status when the service failed. Without an OpenTelemetry SDK the request is answered as is.
 */
export async function inServedSpan(
  contract: RequestContract,
  request: ReadRequest,
  answer: () => Promise<RequestReply>,
): Promise<RequestReply> {
  const parent = 'ctx' in request.read ? traceContextOf(request.read.ctx) : ROOT_CONTEXT;
  const span = tracer.startSpan(
    `serve ${request.subject}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.destination.name': request.subject,
        'keelson.command': `${contract.service}.${contract.name}`,
      },
    },
    parent,
  );
  if (!span.isRecording()) {
    span.end();
    return answer();
  }
  try {
    const reply = await context.with(trace.setSpan(parent, span), answer);
    span.setAttribute('keelson.command.outcome', reply.ok ? 'ok' : reply.error.kind);
    if (!reply.ok) {
      span.setAttribute('keelson.command.error_code', reply.error.code);
      if (failures.has(reply.error.kind)) span.setStatus({ code: SpanStatusCode.ERROR, message: reply.error.code });
    }
    return reply;
  } finally {
    span.end();
  }
}
