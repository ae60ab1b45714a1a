import type { Socket } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { testEnv, testNamespace } from '@keelson/testing';
import { connectNats } from './coalescing-connect.js';

/** Counts the socket's writes to the kernel: `_write` for one chunk, `_writev` for several at once. */
function countWrites(nc: NatsConnection): () => number {
  const socket = (nc as unknown as { protocol: { transport: { socket: Socket } } }).protocol.transport.socket;
  let writes = 0;
  const raw = socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  for (const method of ['_write', '_writev'] as const) {
    const original = raw[method].bind(socket);
    raw[method] = (...args: unknown[]) => {
      writes++;
      return original(...args);
    };
  }
  return () => writes;
}

/** Publishes `n` messages, each from its own async handler finishing a different number of microtasks in. */
async function publishFromHandlers(nc: NatsConnection, subject: string, n: number): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      for (let hop = 0; hop < i % 7; hop++) await Promise.resolve();
      nc.publish(subject, String(i));
    }),
  );
}

describe('connectNats: one socket write per event-loop turn', () => {
  const env = testEnv();
  const options = { servers: env.natsUrl, user: env.natsUser, pass: env.natsPass };
  const naming = testNamespace();
  let receiver: NatsConnection;

  beforeAll(async () => {
    receiver = await connectNats({ ...options, name: 'coalescing-receiver' });
  });
  afterAll(() => receiver.close());

  async function deliveredThrough(nc: NatsConnection, subject: string, n: number): Promise<{ got: string[]; writes: number }> {
    const got: string[] = [];
    const sub = receiver.subscribe(subject, { max: n, callback: (_err, msg) => void got.push(msg.string()) });
    await receiver.flush();
    const writes = countWrites(nc);
    await publishFromHandlers(nc, subject, n);
    await nc.flush();
    await sub.closed;
    return { got, writes: writes() };
  }

  it('sends what many handlers publish in one turn in one write, every message in publish order', async () => {
    const nc = await connectNats({ ...options, name: 'coalescing-sender' });
    const { got, writes } = await deliveredThrough(nc, `${naming.subjectPrefix}many`, 300);
    await nc.close();
    const expected = Array.from({ length: 300 }, (_, i) => i)
      .sort((a, b) => (a % 7) - (b % 7) || a - b)
      .map(String);
    expect(got).toEqual(expected);
    expect(writes).toBeLessThanOrEqual(2); // the messages, and the flush's PING (which may share the write)
  });

  it('the library transport writes once per microtask flush (what the coalescing saves)', async () => {
    const nc = await connect({ ...options, name: 'plain-sender' });
    const { got, writes } = await deliveredThrough(nc, `${naming.subjectPrefix}plain`, 300);
    await nc.close();
    expect(got).toHaveLength(300);
    expect(writes).toBeGreaterThanOrEqual(7); // at least one per microtask depth
  });

  it('answers a lone request without waiting for anything else to be written', async () => {
    const nc = await connectNats({ ...options, name: 'coalescing-requester' });
    const subject = `${naming.subjectPrefix}echo`;
    receiver.subscribe(subject, { callback: (_err, msg) => void msg.respond(`echo ${msg.string()}`) });
    await receiver.flush();
    const reply = await nc.request(subject, 'ping', { timeout: 2000 });
    await nc.close();
    expect(reply.string()).toBe('echo ping');
  });

  it('delivers everything published just before a drain', async () => {
    const nc = await connectNats({ ...options, name: 'coalescing-drainer' });
    const subject = `${naming.subjectPrefix}drain`;
    const got: string[] = [];
    const sub = receiver.subscribe(subject, { max: 50, callback: (_err, msg) => void got.push(msg.string()) });
    await receiver.flush();
    for (let i = 0; i < 50; i++) nc.publish(subject, String(i));
    await nc.drain();
    await sub.closed;
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  });
});
