import { Controller, type INestApplication } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { InvalidInput, NotFound, RuleViolation } from '@keelson/domain-kit';
import { RequestReply, defineRequest } from '@keelson/requests';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { ServiceError } from '../errors.js';
import { sendRequest, RequestPattern, type RequestContext } from '../index.js';
import { startRequestsApp } from '../test-fixtures/requests-app.js';

const greet = defineRequest(
  'gateway',
  'greet',
  z.strictObject({ name: z.string().min(1), times: z.number().int().default(1) }),
  z.strictObject({ text: z.string() }),
);
const nobody = defineRequest('audit', 'nobody-serves-this', z.strictObject({}), z.strictObject({}));
const seen: RequestContext[] = [];

@Controller()
class GreetRequests {
  @RequestPattern(greet)
  async greet(input: { name: string; times: number }, ctx: RequestContext): Promise<{ text: string }> {
    seen.push(ctx);
    if (input.name === 'ghost') throw new NotFound('device', 'ghost');
    if (input.name === 'twice') throw new RuleViolation('greeting.already-sent', 'already greeted');
    if (input.name === 'boom') throw new Error('secret internals');
    if (input.name === 'liar') return { text: 42 } as never;
    return { text: `hello ${input.name}`.repeat(input.times) };
  }
}

describe('requests through the RequestServer (a Nest transport over NATS request/reply)', () => {
  let nc: NatsConnection;
  let app: INestApplication;
  const naming = testNamespace();
  /** A request as any client could send it: raw bytes, the raw reply back. */
  const raw = async (subject: string, body: string) =>
    RequestReply.parse((await nc.request(`${naming.subjectPrefix}${subject}`, body, { timeout: 5_000 })).json());

  beforeAll(async () => {
    nc = await connectTestNats();
    app = await startRequestsApp(naming, [GreetRequests]);
  });
  afterAll(async () => {
    await app?.close();
    await nc.close();
  });

  it('delivers parsed input with defaults and the caller context, and returns the output', async () => {
    const ctx = { actor: { kind: 'operator' as const, id: 'ada' }, commandId: 'cmd-1', correlationId: 'corr-1' };
    await expect(sendRequest(nc, naming, greet, { name: 'cam-01' }, ctx)).resolves.toEqual({ text: 'hello cam-01' });
    expect(seen.at(-1)).toEqual(ctx);
  });

  it('rejects invalid input before the handler runs, listing the issues', async () => {
    const before = seen.length;
    const err = await sendRequest(nc, naming, greet, { name: '' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInput);
    expect((err as InvalidInput).issues.map((i) => i.path.join('.'))).toEqual(['name']);
    expect(seen.length).toBe(before);
  });

  it('refuses malformed JSON and a wrong shape sent by any client, without running the handler', async () => {
    const before = seen.length;
    await expect(raw('cmd.gateway.greet', '{"name": "cam-0')).resolves.toMatchObject({
      ok: false,
      error: { kind: 'InvalidInput', code: 'request.malformed' },
    });
    await expect(raw('cmd.gateway.greet', '{"name": 7, "extra": true}')).resolves.toMatchObject({
      ok: false,
      error: {
        kind: 'InvalidInput',
        code: 'request.invalid',
        issues: [expect.objectContaining({ path: ['name'] }), expect.objectContaining({ path: [] })],
      },
    });
    expect(seen.length).toBe(before);
  });

  it('rethrows the domain error the handler threw, with its code', async () => {
    await expect(sendRequest(nc, naming, greet, { name: 'ghost' })).rejects.toMatchObject({ name: 'NotFound', code: 'device.not-found' });
    await expect(sendRequest(nc, naming, greet, { name: 'twice' })).rejects.toMatchObject({
      name: 'RuleViolation',
      code: 'greeting.already-sent',
    });
  });

  it('hides internals of an unexpected failure, and of an output that breaks the contract', async () => {
    for (const name of ['boom', 'liar']) {
      const err = await sendRequest(nc, naming, greet, { name }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceError);
      expect(err).toMatchObject({ kind: 'Internal', code: 'internal' });
      expect(String((err as Error).message)).not.toContain('secret');
    }
  });

  it('says Unavailable when no service answers, and nobody answers a subject no contract names', async () => {
    await expect(sendRequest(nc, naming, nobody, {}, undefined, { timeoutMs: 500 })).rejects.toMatchObject({
      kind: 'Unavailable',
      code: 'audit.unavailable',
    });
    await expect(nc.request(`${naming.subjectPrefix}cmd.gateway.greeet`, '{}', { timeout: 1_000 })).rejects.toThrow(/no responders/i);
  });

  it('serves in the queue group of the service: two replicas answer each request once', async () => {
    const replica = await startRequestsApp(naming, [GreetRequests]);
    const before = seen.length;
    await Promise.all(Array.from({ length: 20 }, (_, i) => sendRequest(nc, naming, greet, { name: `cam-${i}` })));
    await replica.close();
    expect(seen.length - before).toBe(20);
  });
});
