import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { freePort } from '../free-port.js';
import { startNatsServer, type RunningNats } from '../nats-server.js';
import { platformServices, type PlatformService } from './platform-services.js';
import { gatewaySystemUser, serviceNatsUser, serviceNatsUsers } from './service-permissions.js';

const productionNaming = { streamPrefix: '', subjectPrefix: '' };
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

// A server of its own: the harness's shared server has one all-powerful user, this one has the platform's.
function natsBinary(): string {
  const binary = process.env.KEELSON_TEST_NATS_BINARY; // set by libs/testing's global setup
  if (!binary) throw new Error('KEELSON_TEST_NATS_BINARY is not set: run this spec in the integration project');
  return binary;
}

describe('least-privilege service users on a real nats-server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-perm-'));
  const kickerPassword = randomBytes(12).toString('hex');
  const passwords = Object.fromEntries(platformServices.map((s) => [s, randomBytes(12).toString('hex')])) as Record<
    PlatformService,
    string
  >;
  let nats: RunningNats;
  const open: NatsConnection[] = [];
  const as = async (service: PlatformService) => {
    const nc = await connect({ servers: nats.url, user: serviceNatsUser(service), pass: passwords[service], name: service });
    open.push(nc);
    return nc;
  };

  beforeAll(async () => {
    const [port, mqttPort, monitorPort] = [await freePort(), await freePort(), await freePort()];
    nats = await startNatsServer({
      binary: natsBinary(),
      dir,
      serverName: 'perm-spec',
      host: '127.0.0.1',
      port,
      mqttPort,
      monitorPort,
      users: serviceNatsUsers(platformServices, passwords, productionNaming),
      systemUser: { user: 'sys', password: randomBytes(12).toString('hex') },
      systemUsers: [gatewaySystemUser(kickerPassword)],
    });
    const orchestrator = await as('rollout-orchestrator');
    await (
      await jetstreamManager(orchestrator)
    ).streams.add({
      name: 'EV_ROLLOUTS',
      subjects: ['ev.rollout.>', 'ev.channel.>', 'ev.experiment.>'],
      allow_direct: true,
      allow_atomic: true,
    });
  }, 30_000);

  afterAll(async () => {
    for (const nc of open) await nc.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

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

  it('lets a service answer only its own commands', async () => {
    const signer = await as('signer');
    const errors: unknown[] = [];
    signer.subscribe('cmd.gateway.assign-device', {
      callback: (err, msg) => {
        if (err) errors.push(err);
        else msg.respond('the signer, answering for the gateway');
      },
    });
    const served = signer.subscribe('cmd.signer.get-root', {
      callback: (_err, msg) => {
        msg.respond('root');
      },
    });
    await signer.flush();
    const gateway = await as('device-gateway');
    expect((await gateway.request('cmd.signer.get-root', 'x', { timeout: 2_000 })).string()).toBe('root');
    // The orchestrator may call the gateway: with no gateway running, nobody may answer in its place.
    const orchestrator = await as('rollout-orchestrator');
    await expect(orchestrator.request('cmd.gateway.assign-device', 'x', { timeout: 1_000 })).rejects.toThrow(/no responders/i);
    const audit = await as('audit');
    await expect(audit.request('cmd.signer.get-root', 'x', { timeout: 1_000 })).rejects.toThrow(/Permissions Violation/);
    for (let i = 0; i < 40 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(String(errors[0])).toMatch(/Permissions Violation for Subscription/);
    served.unsubscribe();
  });

  it("lets the gateway's system-account user list and close connections, hear the KEELSON account's disconnects, and nothing else there", async () => {
    const victim = await connect({
      servers: nats.url,
      user: serviceNatsUser('api'),
      pass: passwords.api,
      name: 'victim',
      reconnect: false,
    });
    open.push(victim);
    const kicker = await connect({ servers: nats.url, user: gatewaySystemUser('').user, pass: kickerPassword });
    open.push(kicker);
    const disconnects: { client?: { name?: string; acc?: string } }[] = [];
    kicker.subscribe('$SYS.ACCOUNT.KEELSON.DISCONNECT', {
      callback: (err, m) => void (err ? disconnects.push({}) : disconnects.push(m.json())),
    });
    const refused: unknown[] = [];
    for (const subject of ['$SYS.ACCOUNT.KEELSON.CONNECT', '$SYS.ACCOUNT.*.DISCONNECT', '$SYS.ACCOUNT.SYS.DISCONNECT']) {
      kicker.subscribe(subject, { callback: (err) => void refused.push(err) });
    }
    await kicker.flush();
    const answers: { server: { id: string }; data: { connections: { cid: number; name?: string }[] } }[] = [];
    for await (const m of await kicker.requestMany('$SYS.REQ.SERVER.PING.CONNZ', JSON.stringify({ limit: 1024 }), { maxWait: 500 }))
      answers.push(m.json());
    const target = answers[0]!.data.connections.find((c) => c.name === 'victim');
    expect(target).toBeDefined();
    const closed = new Promise<void>((resolve) => void victim.closed().then(() => resolve()));
    const reply = (
      await kicker.request(`$SYS.REQ.SERVER.${answers[0]!.server.id}.KICK`, JSON.stringify({ cid: target!.cid }), { timeout: 2_000 })
    ).json<{ error?: unknown }>();
    expect(reply.error).toBeUndefined();
    await closed;
    for (let i = 0; i < 40 && (disconnects.length === 0 || refused.length < 3); i++) await new Promise((r) => setTimeout(r, 50));
    expect(disconnects.map((d) => [d.client?.acc, d.client?.name])).toEqual([['KEELSON', 'victim']]);
    expect(refused.map(String)).toEqual(Array(3).fill(expect.stringMatching(/Permissions Violation for Subscription/)));
    await expect(kicker.request('$SYS.REQ.SERVER.PING.STATSZ', '', { timeout: 1_000 })).rejects.toThrow(/Permissions Violation/);
    await expect(kicker.request('$SYS.REQ.ACCOUNT.KEELSON.CLAIMS.UPDATE', 'x', { timeout: 1_000 })).rejects.toThrow(
      /Permissions Violation/,
    );
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
