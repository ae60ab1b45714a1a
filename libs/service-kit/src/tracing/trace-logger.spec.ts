import { jest } from '@jest/globals';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TraceConsoleLogger } from './trace-logger.js';

const spanContext = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED };

describe('the service log inside a span', () => {
  const manager = new AsyncLocalStorageContextManager();
  let lines: string[];
  let write: ReturnType<typeof spyOnStdout>;
  const spyOnStdout = () => jest.spyOn(process.stdout, 'write');

  beforeAll(() => context.setGlobalContextManager(manager.enable()));
  afterAll(() => context.disable());
  beforeEach(() => {
    lines = [];
    write = spyOnStdout().mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0);
  });
  afterEach(() => write.mockRestore());

  it('carries the trace and span ids of the active span', () => {
    const logger = new TraceConsoleLogger({ json: true, prefix: 'api' });
    context.with(trace.setSpan(context.active(), trace.wrapSpanContext(spanContext)), () => logger.log('inside', 'spec'));
    logger.log('outside', 'spec');
    const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside).toMatchObject({ message: 'inside', trace_id: spanContext.traceId, span_id: spanContext.spanId });
    expect(outside).toMatchObject({ message: 'outside' });
    expect(outside).not.toHaveProperty('trace_id');
  });
});
