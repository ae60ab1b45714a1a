import { connect } from '@nats-io/transport-node';
import type { RunningNats } from '../nats-server.js';
import { LeastPrivilegeNats } from '../test-fixtures/least-privilege-nats.js';
import { gatewaySystemUser, serviceNatsUser } from './service-permissions.js';

describe('least-privilege service users on a real nats-server', () => {
  const server = new LeastPrivilegeNats();
  const { kickerPassword, passwords, open, as } = server;
  let nats: RunningNats;

  beforeAll(async () => {
    nats = await server.start();
  }, 30_000);
  afterAll(() => server.stop());

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
});
