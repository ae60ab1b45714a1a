import { contextFrom, contextHeaders, type RequestContext } from './context.js';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const base: RequestContext = { actor: { kind: 'operator', id: 'ada' }, commandId: 'cmd-1', correlationId: 'corr-1' };

describe('the trace context of a request', () => {
  it('travels from the caller context through the headers into the served context', () => {
    const sent = { ...base, traceparent, tracestate: 'vendor=abc' };
    const h = contextHeaders(sent);
    expect(h.get('traceparent')).toBe(traceparent);
    expect(contextFrom(h)).toEqual(sent);
  });

  it('is left out when the caller has none', () => {
    const h = contextHeaders(base);
    expect(h.has('traceparent')).toBe(false);
    expect(contextFrom(h)).toEqual(base);
  });

  it('drops a malformed traceparent, and a tracestate without one, instead of trusting them', () => {
    for (const bad of [
      '00-xyz-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
    ]) {
      const h = contextHeaders(base);
      h.set('traceparent', bad);
      h.set('tracestate', 'vendor=abc');
      expect(contextFrom(h)).toEqual(base);
    }
  });
});

describe('who and which request a command names', () => {
  it('replaces a malformed actor, command id or correlation id instead of trusting them', () => {
    const h = contextHeaders(base);
    h.set('Keelson-Actor', 'root:ada');
    h.set('Keelson-Command-Id', 'cmd 1');
    h.set('Keelson-Correlation-Id', 'corr/1');
    const ctx = contextFrom(h);
    expect(ctx.actor).toEqual({ kind: 'system', id: 'unknown' });
    expect(ctx.commandId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ctx.correlationId).toBe(ctx.commandId);
  });

  it('keeps a well-formed actor of every kind', () => {
    for (const kind of ['operator', 'device', 'service', 'system'] as const) {
      const h = contextHeaders({ ...base, actor: { kind, id: 'a.b@c:d' } });
      expect(contextFrom(h).actor).toEqual({ kind, id: 'a.b@c:d' });
    }
  });
});
