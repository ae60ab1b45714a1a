// bench/tracing-noop: what the tracing hooks on the device path cost per call in a service with no
// OpenTelemetry SDK (no OTEL_* variables), next to a baseline measured in the same run: parsing the
// device report those hooks ride on. Run: node bench/dist/tracing-noop/main.js [--calls N]
import { context, SpanKind, trace } from '@opentelemetry/api';
import { activeTraceparent, traceContextOf } from '@keelson/event-store';

const callsArg = process.argv.indexOf('--calls');
const calls = callsArg > 0 ? Number(process.argv[callsArg + 1]) : 2_000_000;
if (!Number.isSafeInteger(calls) || calls < 1000) throw new Error('--calls must be an integer of at least 1000');

const tracer = trace.getTracer('bench');
const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const report = JSON.stringify({
  type: 'DeviceReport',
  schemaVersion: 2,
  data: {
    deviceId: 'sim-1',
    assignmentId: 'r-0123456789ab-sim-1',
    rolloutId: 'r-0123456789ab',
    state: 'healthy',
    sentAt: '2026-12-07T10:00:00.000Z',
  },
});
const parsed = JSON.parse(report) as { data: { traceparent?: unknown } };
let sink = 0;

/** Nanoseconds per call of `run`, after a warm-up of a tenth as many calls. */
function nsPerCall(run: () => unknown): number {
  for (let i = 0; i < calls / 10; i++) sink += run() ? 1 : 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink += run() ? 1 : 0;
  return Number(process.hrtime.bigint() - start) / calls;
}

const rows: [string, number][] = [
  ['baseline: JSON.parse of a device report', nsPerCall(() => JSON.parse(report))],
  ['desired-state push: activeTraceparent() outside a span', nsPerCall(() => activeTraceparent())],
  [
    'device inbox: traceOf a report that echoes no trace (the gateway does not trace)',
    nsPerCall(() => {
      const echoed = parsed.data.traceparent;
      return typeof echoed === 'string' && echoed.length === 55;
    }),
  ],
  [
    'device inbox: traceContextOf an echoed traceparent (gateway traced, this process not)',
    nsPerCall(() => traceContextOf({ traceparent })),
  ],
  [
    'served command: a server span that does not record',
    nsPerCall(() => {
      const span = tracer.startSpan(
        'serve cmd',
        { kind: SpanKind.SERVER, attributes: { 'keelson.command': 'gateway.assign' } },
        context.active(),
      );
      const recording = span.isRecording();
      span.end();
      return recording;
    }),
  ],
];
console.log(`tracing-noop: ${calls} calls each, no OpenTelemetry SDK loaded (checksum ${sink})`);
for (const [name, ns] of rows) console.log(`  ${ns.toFixed(1).padStart(8)} ns/call  ${name}`);
