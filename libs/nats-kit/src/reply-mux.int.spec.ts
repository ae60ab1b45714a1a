import { ClosedConnectionError, NoRespondersError, TimeoutError, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { connectTestNats, testNamespace } from '@keelson/testing';
import { ReplyMux } from './reply-mux.js';

describe('request/reply over one reply subscription per connection, against real NATS', () => {
  let nc: NatsConnection;
  let responder: NatsConnection;
  const prefix = testNamespace().subjectPrefix;
  const subject = (name: string) => `${prefix}mux.${name}`;

  beforeAll(async () => {
    [nc, responder] = await Promise.all([connectTestNats(), connectTestNats()]);
    responder.subscribe(subject('echo'), { callback: (_, m) => void m.respond(`echo ${m.string()}`) });
    await responder.flush();
  });
  afterAll(async () => {
    await nc.close();
    await responder.close();
  });

  it('answers each of many concurrent requests with its own reply', async () => {
    const mux = new ReplyMux(nc);
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => mux.request(subject('echo'), `#${i}`, { timeoutMs: 30_000 })));
    expect(replies.map((m) => m.string())).toEqual(Array.from({ length: 50 }, (_, i) => `echo #${i}`));
  });

  it('says no responders when nobody listens, without waiting for the timeout', async () => {
    const err = await new ReplyMux(nc).request(subject('nobody'), 'x', { timeoutMs: 600_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoRespondersError);
  });

  it('times out when the responder does not answer', async () => {
    const held: Msg[] = [];
    const sub = responder.subscribe(subject('silent'), { callback: (_, m) => void held.push(m) });
    await responder.flush();
    const mux = new ReplyMux(nc);
    const err = await mux.request(subject('silent'), 'x', { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(mux.waiting).toBe(0);
    expect(held).toHaveLength(1);
    sub.unsubscribe();
  });

  it('drops a reply that comes after its request timed out; the next request gets its own', async () => {
    const held: Msg[] = [];
    const sub = responder.subscribe(subject('late'), {
      callback: (_, m) => {
        if (m.string() === 'first') held.push(m);
        else m.respond(`answer to ${m.string()}`);
      },
    });
    await responder.flush();
    const mux = new ReplyMux(nc);
    await expect(mux.request(subject('late'), 'first', { timeoutMs: 200 })).rejects.toBeInstanceOf(TimeoutError);
    held[0]!.respond('late answer to first'); // arrives at the mux after the timeout
    await responder.flush();
    const next = await mux.request(subject('late'), 'second', { timeoutMs: 30_000 });
    expect(next.string()).toBe('answer to second'); // sent after the late one: that one came and went
    expect(mux.waiting).toBe(0);
    sub.unsubscribe();
  });

  it('rejects what still waits when its connection closes', async () => {
    const own = await connectTestNats();
    const sub = responder.subscribe(subject('never'), { callback: () => undefined });
    await responder.flush();
    const mux = new ReplyMux(own);
    const waiting = mux.request(subject('never'), 'x', { timeoutMs: 600_000 }).catch((e: unknown) => e);
    await own.flush();
    await own.close();
    expect(await waiting).toBeInstanceOf(ClosedConnectionError);
    expect(mux.waiting).toBe(0);
    sub.unsubscribe();
  });
});
