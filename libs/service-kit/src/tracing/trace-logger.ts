import { ConsoleLogger } from '@nestjs/common';
import { trace } from '@opentelemetry/api';

type JsonLogOptions = Parameters<ConsoleLogger['getJsonLogObject']>[1];

/** Nest's JSON console logger, with `trace_id` and `span_id` on every line written inside a span. */
export class TraceConsoleLogger extends ConsoleLogger {
  protected override getJsonLogObject(message: unknown, options: JsonLogOptions): ReturnType<ConsoleLogger['getJsonLogObject']> {
    const line = super.getJsonLogObject(message, options);
    const span = trace.getActiveSpan()?.spanContext();
    if (span && trace.isSpanContextValid(span)) {
      line.trace_id = span.traceId;
      line.span_id = span.spanId;
    }
    return line;
  }
}
