import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { InvalidInput, NotFound, RuleViolation } from '@keelson/domain-kit';
import { defineRequest } from '@keelson/requests';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { ServiceError } from '../errors.js';
import { sendRequest, handlerFor, serveRequests, type RequestContext } from '../index.js';

const greet = defineRequest(
  'gateway',
  'greet',
  z.strictObject({ name: z.string().min(1), times: z.number().int().default(1) }),
  z.strictObject({ text: z.string() }),
);
const nobody = defineRequest('audit', 'nobody-serves-this', z.strictObject({}), z.strictObject({}));

describe('requests over NATS request/reply', () => {
  let nc: NatsConnection;
  const naming = testNamespace();
  const seen: RequestContext[] = [];

  beforeAll(async () => {
    nc = await connectTestNats();
    serveRequests(nc, naming, [
      handlerFor(greet, async (input, ctx) => {
        seen.push(ctx);
        if (input.name === 'ghost') throw new NotFound('device', 'ghost');
        if (input.name === 'twice') throw new RuleViolation('greeting.already-sent', 'already greeted');
        if (input.name === 'boom') throw new Error('secret internals');
        return { text: `hello ${input.name}`.repeat(input.times) };
      }),
    ]);
    await nc.flush();
  });
  afterAll(() => nc.close());

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

  it('rethrows the domain error the handler threw, with its code', async () => {
    await expect(sendRequest(nc, naming, greet, { name: 'ghost' })).rejects.toMatchObject({ name: 'NotFound', code: 'device.not-found' });
    await expect(sendRequest(nc, naming, greet, { name: 'twice' })).rejects.toMatchObject({
      name: 'RuleViolation',
      code: 'greeting.already-sent',
    });
  });

  it('hides internals of an unexpected failure', async () => {
    const err = await sendRequest(nc, naming, greet, { name: 'boom' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect(String((err as Error).message)).not.toContain('secret');
  });

  it('says Unavailable when no service answers', async () => {
    await expect(sendRequest(nc, naming, nobody, {}, undefined, { timeoutMs: 500 })).rejects.toMatchObject({
      kind: 'Unavailable',
      code: 'audit.unavailable',
    });
  });
});
