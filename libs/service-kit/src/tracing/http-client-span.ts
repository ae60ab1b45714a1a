import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { endAfter } from '@keelson/event-store';

const tracer = trace.getTracer('@keelson/service-kit');

/**
 * Runs an HTTP request to another service in a client span, a child of the active span (the
 * operator's request being served); `send` gets the headers that carry the span's `traceparent`, so
 * the other side's server span joins the trace. Without an OpenTelemetry SDK `send` gets no headers.
 */
export function inHttpClientSpan(
  method: string,
  url: URL,
  send: (traceHeaders: Record<string, string>) => Promise<Response>,
): Promise<Response> {
  const active = context.active();
  const span = tracer.startSpan(
    method,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': method, 'server.address': url.hostname, 'url.full': `${url.origin}${url.pathname}` },
    },
    active,
  );
  if (!span.isRecording()) {
    span.end();
    return send({});
  }
  const traceHeaders: Record<string, string> = {};
  propagation.inject(trace.setSpan(active, span), traceHeaders);
  return endAfter(span, async () => {
    const res = await send(traceHeaders);
    span.setAttribute('http.response.status_code', res.status);
    if (res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    return res;
  });
}
