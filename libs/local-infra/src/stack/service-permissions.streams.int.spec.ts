import { randomUUID } from 'node:crypto';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import { LeastPrivilegeNats } from '../test-fixtures/least-privilege-nats.js';

const event = JSON.stringify({ type: 'RolloutHalted', schemaVersion: 1, data: { reason: 'forged' } });

// What libs/event-store's append does (that library cannot be imported here: its specs run on this one).
const appendOne = (nc: NatsConnection, subject: string) =>
  jetstream(nc).publish(subject, event, { msgID: randomUUID(), expect: { lastSubjectSequence: 0 } });
async function appendBatch(nc: NatsConnection, subject: string): Promise<unknown> {
  const h = (seq: number, commit: boolean) => {
    const hs = headers();
    hs.set('Nats-Batch-Id', randomUUID());
    hs.set('Nats-Batch-Sequence', String(seq));
    if (commit) hs.set('Nats-Batch-Commit', '1');
    return hs;
  };
  nc.publish(subject, event, { headers: h(1, false) });
  return (await nc.request(subject, event, { headers: h(2, true), timeout: 2_000 })).json();
}

describe('least-privilege service users on a real nats-server', () => {
  const server = new LeastPrivilegeNats();
  const { as } = server;

  beforeAll(() => server.start(), 30_000);
  afterAll(() => server.stop());

  it('lets the orchestrator append to its own stream, and the api read it but not append to it', async () => {
    const orchestrator = await as('rollout-orchestrator');
    expect((await appendOne(orchestrator, 'ev.rollout.default.r-own')).seq).toBe(1);

    const api = await as('api');
    await expect(appendOne(api, 'ev.rollout.default.r-forged')).rejects.toThrow(/Permissions Violation/);
    // several events go as an atomic batch over core NATS: refused as well
    await expect(appendBatch(api, 'ev.rollout.default.r-forged')).rejects.toThrow();

    const jsm = await jetstreamManager(orchestrator);
    expect((await jsm.streams.info('EV_ROLLOUTS')).state.messages).toBe(1);
    const read = await (await jetstreamManager(api)).direct.getMessage('EV_ROLLOUTS', { last_by_subj: 'ev.rollout.default.r-own' });
    expect(read?.seq).toBe(1);
  });

  it('refuses every other service an append to the rollouts stream, and its management API', async () => {
    for (const service of ['signer', 'registry-facade', 'device-gateway', 'audit'] as const) {
      const nc = await as(service);
      await expect(appendOne(nc, 'ev.rollout.default.r-x')).rejects.toThrow(/Permissions Violation/);
    }
    const audit = await as('audit');
    const jsm = await jetstreamManager(audit);
    await expect(jsm.streams.purge('EV_ROLLOUTS')).rejects.toThrow(/Permissions Violation/);
    await expect(jsm.streams.delete('EV_ROLLOUTS')).rejects.toThrow(/Permissions Violation/);
    expect((await jsm.streams.info('EV_ROLLOUTS')).state.messages).toBe(1);
  });
  // What keeps a reader's push consumer from writing into the gateway's heartbeats or another
  // stream is nats-server's rule, not the reader's permissions (never checked for a deliver
  // subject: granting the api user keelson.dev.> and ev.tuf.> changes nothing). nats-server 2.15
  // delivers a push consumer only to a subscription on exactly its deliver subject; one that
  // matches through a wildcard (the gateway's keelson.dev.*.heartbeat, a stream's ev.tuf.>) does
  // not bind it. Keelson relies on that by listening to device traffic and capturing events on
  // wildcards only. This test pins both halves, so a server that changes the rule fails here.
  it("delivers a reader's push consumer only to an exact subscriber: the gateway's heartbeat wildcard and another stream get nothing", async () => {
    const signer = await as('signer');
    await (await jetstreamManager(signer)).streams.add({ name: 'EV_TUF', subjects: ['ev.tuf.>'] });
    await appendOne(await as('rollout-orchestrator'), 'ev.rollout.default.r-pushed'); // the one message each consumer has to deliver
    const gateway = await as('device-gateway');
    const heartbeats: string[] = [];
    gateway.subscribe('keelson.dev.*.heartbeat', { callback: (_, m) => void heartbeats.push(m.subject) });
    await gateway.flush();
    const api = await as('api');
    const jsm = await jetstreamManager(api);
    const pushOf = (rollout: string) => ({ filter_subject: `ev.rollout.default.${rollout}`, ack_policy: AckPolicy.None });
    const exact = new Promise<string>((resolve) => void api.subscribe('_INBOX.push-control', { callback: (_, m) => resolve(m.string()) }));
    await api.flush();
    await jsm.consumers.add('EV_ROLLOUTS', { name: 'push-tuf', ...pushOf('r-pushed'), deliver_subject: 'ev.tuf.default.repository' });
    await jsm.consumers.add('EV_ROLLOUTS', { name: 'push-device', ...pushOf('r-pushed'), deliver_subject: 'keelson.dev.d-1.heartbeat' });
    await jsm.consumers.add('EV_ROLLOUTS', { name: 'push-control', ...pushOf('r-pushed'), deliver_subject: '_INBOX.push-control' });
    expect(await exact).toBe(event); // they do deliver, to a subscriber of exactly that subject
    // The server's own word, not a wait: it holds their message with nowhere to deliver it to.
    const held = async (name: string) => {
      const { push_bound: bound, delivered, num_pending: pending } = await jsm.consumers.info('EV_ROLLOUTS', name);
      return { name, bound: bound ?? false, delivered: delivered.consumer_seq, pending };
    };
    expect([await held('push-tuf'), await held('push-device'), await held('push-control')]).toEqual([
      { name: 'push-tuf', bound: false, delivered: 0, pending: 1 },
      { name: 'push-device', bound: false, delivered: 0, pending: 1 },
      { name: 'push-control', bound: true, delivered: 1, pending: 0 },
    ]);
    // And nothing got there: the gateway's connection flushed, EV_TUF's next message is its first.
    await gateway.flush();
    expect(heartbeats).toEqual([]);
    expect((await appendOne(signer, 'ev.tuf.default.marker')).seq).toBe(1);
  });

  it('lets the signer alone record its key-secret rotations on ev.signer of its own stream', async () => {
    const signer = await as('signer');
    const jsm = await jetstreamManager(signer);
    if (!(await jsm.streams.add({ name: 'EV_TUF', subjects: ['ev.tuf.>', 'ev.signer.>'] }).catch(() => null))) {
      await jsm.streams.update('EV_TUF', { subjects: ['ev.tuf.>', 'ev.signer.>'] });
    }
    const before = (await jsm.streams.info('EV_TUF')).state.messages;
    expect((await appendOne(signer, 'ev.signer.default.signer-key')).seq).toBeGreaterThan(0);
    for (const service of ['registry-facade', 'device-gateway', 'api', 'audit'] as const) {
      await expect(appendOne(await as(service), 'ev.signer.default.signer-key')).rejects.toThrow(/Permissions Violation/);
    }
    expect((await jsm.streams.info('EV_TUF')).state.messages).toBe(before + 1);
  });
});
