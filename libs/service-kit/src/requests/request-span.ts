import { context, SpanKind, trace } from '@opentelemetry/api';
import { endAfter, traceContextOf, withTraceFields } from '@keelson/event-store';
import type { RequestContext } from './context.js';

const tracer = trace.getTracer('@keelson/service-kit');

/**
 * Runs a request in a client span: a child of the active span (an operator's HTTP request,
 * a reactor's event), or else of the trace the context already carries. The request then carries
 * this span's `traceparent` in its NATS headers. Without an OpenTelemetry SDK the context goes out
 * as it came in.
 */
export async function inRequestSpan<T>(subject: string, ctx: RequestContext, send: (ctx: RequestContext) => Promise<T>): Promise<T> {
  const active = context.active();
  const parent = trace.getSpan(active) ? active : traceContextOf(ctx);
  const span = tracer.startSpan(
    `send ${subject}`,
    { kind: SpanKind.CLIENT, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject } },
    parent,
  );
  if (!span.isRecording()) {
    span.end();
    return send(ctx);
  }
  return endAfter(span, () => send(withTraceFields(ctx, trace.setSpan(parent, span))));
}
