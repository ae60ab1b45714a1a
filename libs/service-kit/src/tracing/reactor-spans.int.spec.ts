import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { SpanKind, trace } from '@opentelemetry/api';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { RuleViolation } from '@keelson/domain-kit';
import { applyStreams, ReactorRunner, type Reactor, type StreamDeclaration } from '@keelson/event-store';
import { connectTestNats, testNamespace } from '@keelson/testing';

type SpanProcessor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number];
type EndedSpan = Parameters<SpanProcessor['onEnd']>[0];
interface Poke {
  type: 'Poke';
  schemaVersion: 1;
  data: { id: string; traceparent?: string; refuse?: boolean };
}

const decl: StreamDeclaration = { name: 'EV_TRACED', subjects: ['ev.traced.>'], description: 'reactor span spec' };
const echoed = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };

// The device inbox's path: a message with no headers whose payload carries the trace (item 6 of issue 12).
describe("a reactor's consumer spans, with an OpenTelemetry SDK", () => {
  const ended: EndedSpan[] = [];
  const sdk = new NodeSDK({
    serviceName: 'reactor-spec',
    spanProcessors: [
      {
        onStart: () => undefined,
        onEnd: (span) => void ended.push(span),
        forceFlush: async () => undefined,
        shutdown: async () => undefined,
      },
    ],
    metricReaders: [],
    logRecordProcessors: [],
  });
  const naming = testNamespace();
  let nc: NatsConnection;
  /** The span active where the handler ran, and where its refusal was told, by message id. */
  const handledIn = new Map<string, string | undefined>();
  const toldIn = new Map<string, string | undefined>();
  const activeSpanId = () => trace.getActiveSpan()?.spanContext().spanId;

  beforeAll(async () => {
    sdk.start();
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [decl]);
  });
  afterAll(async () => {
    await nc?.close();
    await sdk.shutdown();
  });

  it('continues the trace the payload carries, and tells a refusal inside the span (where log lines get its trace id)', async () => {
    let lastId = '';
    const reactor: Reactor<Poke> = {
      name: 'traced-pokes',
      stream: decl,
      parse: (raw) => raw as Poke,
      traceOf: (r) => (r.event.data.traceparent ? { traceparent: r.event.data.traceparent } : undefined),
      handle: async ({ event }) => {
        handledIn.set(event.data.id, activeSpanId());
        lastId = event.data.id;
        if (event.data.refuse) throw new RuleViolation('poke.refused', 'refused');
      },
    };
    const runner = new ReactorRunner({ nc, naming, reactor, retryDelayMs: 50, onPoison: () => void toldIn.set(lastId, activeSpanId()) });
    await runner.start();
    const js = jetstream(nc);
    const poke = (data: Poke['data']) =>
      js.publish(`${naming.subjectPrefix}ev.traced.f.${data.id}`, JSON.stringify({ type: 'Poke', schemaVersion: 1, data }));
    await poke({ id: 'echoing', traceparent: `00-${echoed.traceId}-${echoed.spanId}-01` });
    await poke({ id: 'refused', refuse: true });
    await poke({ id: 'bare' });
    for (let i = 0; i < 100 && handledIn.size < 3; i++) await new Promise((r) => setTimeout(r, 50));
    await runner.stop();

    const spanOf = (id: string) => ended.find((s) => s.kind === SpanKind.CONSUMER && s.spanContext().spanId === handledIn.get(id));
    expect(spanOf('echoing')?.spanContext().traceId).toBe(echoed.traceId);
    expect(spanOf('echoing')?.parentSpanContext?.spanId).toBe(echoed.spanId);
    expect(spanOf('bare')?.parentSpanContext).toBeUndefined(); // no trace to continue: a trace of its own
    expect(spanOf('refused')).toBeDefined();
    expect(toldIn.get('refused')).toBe(handledIn.get('refused'));
  });
});
