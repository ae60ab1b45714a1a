import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import type { EventMetadata } from '../headers.js';

/**
 * Spans of the event path. Without an OpenTelemetry SDK in the process (a service without `OTEL_*`
 * exporter settings) the API hands out non-recording spans: nothing is exported, and an event's
 * `traceparent` passes through unchanged.
 */
const tracer = trace.getTracer('@keelson/event-store');

type TraceFields = Pick<EventMetadata, 'traceparent' | 'tracestate'>;

const fieldsGetter: TextMapGetter<TraceFields> = {
  keys: () => ['traceparent', 'tracestate'],
  get: (carrier, key) => (key === 'traceparent' ? carrier.traceparent : key === 'tracestate' ? carrier.tracestate : undefined),
};

/** The trace context an event (or a command's context) carries, as the parent of what handles it. */
export function traceContextOf(fields: TraceFields): Context {
  return fields.traceparent ? propagation.extract(ROOT_CONTEXT, fields, fieldsGetter) : ROOT_CONTEXT;
}

/** `fields` with the trace context of `ctx`, when the installed propagator writes one. */
export function withTraceFields<T extends TraceFields>(fields: T, ctx: Context): T {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  if (!carrier.traceparent) return fields;
  return { ...fields, traceparent: carrier.traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) };
}

/**
 * The `traceparent` of the active span, for a message with no headers to carry it (a device's
 * desired state over MQTT); undefined outside a span or without an OpenTelemetry SDK.
 */
export function activeTraceparent(): string | undefined {
  const active = context.active();
  if (!trace.getSpan(active)) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  return carrier.traceparent;
}

/** Runs `run`, then ends `span`: marked as an error with the exception when `run` throws. */
export async function endAfter<T>(span: Span, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * Runs an append in a producer span: a child of the active span, or else of the trace the metadata
 * carries (a command served with its caller's `traceparent`). The events then carry this span's
 * context, so whatever handles them joins the trace.
 */
export function inAppendSpan<T>(
  subject: string,
  count: number,
  meta: EventMetadata,
  append: (meta: EventMetadata) => Promise<T>,
): Promise<T> {
  const active = context.active();
  const parent = trace.getSpan(active) ? active : traceContextOf(meta);
  const span = tracer.startSpan(
    `publish ${subject}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'send',
        'messaging.destination.name': subject,
        'messaging.batch.message_count': count,
      },
    },
    parent,
  );
  if (!span.isRecording()) {
    span.end();
    return append(meta);
  }
  return endAfter(span, () => append(withTraceFields(meta, trace.setSpan(parent, span))));
}

function startConsumerSpan(consumer: string, subject: string, meta: TraceFields): { span: Span; parent: Context } {
  const parent = traceContextOf(meta);
  const span = tracer.startSpan(
    `process ${consumer}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'process',
        'messaging.consumer.group.name': consumer,
        'messaging.destination.name': subject,
      },
    },
    parent,
  );
  return { span, parent };
}

/**
 * Handles one event in a consumer span whose parent is the event's `traceparent`; what the handler
 * appends or requests meanwhile becomes part of the event's trace.
 */
export function inConsumerSpan<T>(consumer: string, event: { subject: string; meta: TraceFields }, handle: () => Promise<T>): Promise<T> {
  const { span, parent } = startConsumerSpan(consumer, event.subject, event.meta);
  if (!span.isRecording()) {
    span.end();
    return handle();
  }
  return endAfter(span, () => context.with(trace.setSpan(parent, span), handle));
}

/**
 * Applies a batch of events under one consumer span per event, each a child of its event's
 * `traceparent` and each lasting as long as the batch's application: a batch mixes events of many
 * traces, and each trace shows when its event was projected.
 */
export async function inBatchSpans<T>(
  consumer: string,
  events: readonly { subject: string; meta: TraceFields }[],
  apply: () => Promise<T>,
): Promise<T> {
  const spans = events.map((e) => startConsumerSpan(consumer, e.subject, e.meta).span).filter((s) => s.isRecording());
  try {
    return await apply();
  } catch (err) {
    for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    for (const span of spans) span.end();
  }
}
