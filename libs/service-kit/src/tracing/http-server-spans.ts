import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const tracer = trace.getTracer('@keelson/service-kit');

/**
 * Express middleware: each request under `prefix` runs in a server span, a child of the caller's
 * `traceparent` when it sends one; what the request's handler asks of other services joins the
 * span's trace. Without an OpenTelemetry SDK the span does not record and the request goes on as is.
 */
export function httpServerSpans(prefix: string) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (!path.startsWith(prefix)) return next();
    const parent = propagation.extract(context.active(), req.headers);
    const method = req.method ?? 'GET';
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': method, 'url.path': path, 'url.scheme': 'encrypted' in req.socket ? 'https' : 'http' },
      },
      parent,
    );
    if (!span.isRecording()) {
      span.end();
      return next();
    }
    res.once('close', () => {
      // Express has matched the route by now: name the span after its template, not the ids in the path.
      const route = (req as IncomingMessage & { route?: { path?: unknown } }).route?.path;
      if (typeof route === 'string') span.updateName(`${method} ${route}`).setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
