import { Controller, type INestApplication } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { z } from 'zod';
import { NotFound } from '@keelson/domain-kit';
import { defineRequest } from '@keelson/requests';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { sendRequest, RequestPattern } from '../index.js';
import { startRequestsApp } from '../test-fixtures/requests-app.js';

type SpanProcessor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number];
type EndedSpan = Parameters<SpanProcessor['onEnd']>[0];

const greet = defineRequest('gateway', 'greet', z.strictObject({ name: z.string().min(1) }), z.strictObject({ text: z.string() }));
/** The span each handler call ran in, by the name it was asked to greet. */
const handledIn = new Map<string, string | undefined>();

@Controller()
class GreetRequests {
  @RequestPattern(greet)
  async greet(input: { name: string }): Promise<{ text: string }> {
    handledIn.set(input.name, trace.getActiveSpan()?.spanContext().spanId);
    if (input.name === 'ghost') throw new NotFound('device', 'ghost');
    if (input.name === 'boom') throw new Error('disk on fire');
    return { text: `hello ${input.name}` };
  }
}

describe('the server span of a served request', () => {
  const ended: EndedSpan[] = [];
  const sdk = new NodeSDK({
    serviceName: 'commands-spec',
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
  let app: INestApplication;

  beforeAll(async () => {
    sdk.start();
    nc = await connectTestNats();
    app = await startRequestsApp(naming, [GreetRequests]);
  });
  afterAll(async () => {
    await app?.close();
    await nc?.close();
    await sdk.shutdown();
  });

  /** Calls greet under a client span and returns that span and the server span that answered it. */
  async function served(name: string): Promise<{ send: EndedSpan; serve: EndedSpan }> {
    await sendRequest(nc, naming, greet, { name }).catch(() => undefined);
    const send = ended.findLast((s) => s.name === `send ${naming.subjectPrefix}cmd.gateway.greet`)!;
    const serve = ended.find((s) => s.kind === SpanKind.SERVER && s.parentSpanContext?.spanId === send.spanContext().spanId);
    expect(serve).toBeDefined();
    return { send, serve: serve! };
  }

  it('is a child of the caller span, names the subject and contract, and the handler runs inside it', async () => {
    const { send, serve } = await served('cam-01');
    expect(serve.name).toBe(`serve ${naming.subjectPrefix}cmd.gateway.greet`);
    expect(serve.spanContext().traceId).toBe(send.spanContext().traceId);
    expect(serve.attributes).toMatchObject({
      'messaging.destination.name': `${naming.subjectPrefix}cmd.gateway.greet`,
      'keelson.command': 'gateway.greet',
      'keelson.command.outcome': 'ok',
    });
    expect(serve.status.code).toBe(SpanStatusCode.UNSET);
    expect(handledIn.get('cam-01')).toBe(serve.spanContext().spanId);
  });

  it('records a refusal as its outcome without marking the span failed', async () => {
    const { serve } = await served('ghost');
    expect(serve.attributes).toMatchObject({ 'keelson.command.outcome': 'NotFound', 'keelson.command.error_code': 'device.not-found' });
    expect(serve.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks a failure of the service with error status and the exception', async () => {
    const { serve } = await served('boom');
    expect(serve.attributes).toMatchObject({ 'keelson.command.outcome': 'Internal', 'keelson.command.error_code': 'internal' });
    expect(serve.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'internal' });
    expect(serve.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('starts a trace of its own for a request that carries no trace context', async () => {
    await nc.request(`${naming.subjectPrefix}cmd.gateway.greet`, JSON.stringify({ name: 'plain' }), { timeout: 5_000 });
    const serve = ended.findLast((s) => s.kind === SpanKind.SERVER)!;
    expect(serve.attributes['keelson.command.outcome']).toBe('ok');
    expect(serve.parentSpanContext).toBeUndefined();
  });
});
