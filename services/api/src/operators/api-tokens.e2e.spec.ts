import { jetstreamManager } from '@nats-io/jetstream';
import { eventually } from '@keelson/testing';
import { apiClient } from '../test-fixtures/http-client.js';
import { startApiApp, type ApiTestApp } from '../test-fixtures/api-app.js';

/** Every message of the api's stream as text (data and headers): what the audit and every reader get to see. */
async function operatorStreamText(t: ApiTestApp): Promise<string> {
  const jsm = await jetstreamManager(t.nc);
  const stream = `${t.naming.streamPrefix}EV_OPERATORS`;
  const { state } = await jsm.streams.info(stream);
  const texts: string[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    if (!m) continue;
    texts.push(m.subject, new TextDecoder().decode(m.data), ...[...(m.header?.keys() ?? [])].map((k) => `${k}: ${m.header!.get(k)}`));
  }
  return texts.join('\n');
}

describe('operator API tokens', () => {
  let t: ApiTestApp;
  let admin: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    t = await startApiApp();
    admin = apiClient(t.url, t.adminToken);
    t.gateway.addDevice('plant-7', 'dev-p1', 'cam-01');
    t.gateway.addDevice('default', 'dev-a1', 'cam-01');
  });
  afterAll(() => t.close());

  const create = async (fleet: string, body: object) => {
    const res = await admin('POST', `/v1/tokens?fleet=${fleet}`, body);
    expect(res.status).toBe(201);
    return res.body as { tokenId: string; token: string; fleet: string; role: string; expiresAt: string };
  };

  describe('a token of one fleet', () => {
    it('is shown once, acts in its fleet as its own actor, is listed without its secret, and is refused once revoked', async () => {
      const issued = await create('plant-7', { name: 'CI deploys', role: 'operator' });
      expect(issued).toMatchObject({
        fleet: 'plant-7',
        name: 'CI deploys',
        role: 'operator',
        tokenId: expect.stringMatching(/^at-[0-9a-f]{16}$/),
      });
      expect(issued.token).toMatch(new RegExp(`^kls_plant-7_${issued.tokenId}_[A-Za-z0-9_-]{43}$`));
      const withToken = apiClient(t.url, issued.token);

      const devices = await withToken('GET', '/v1/devices?fleet=plant-7');
      expect(devices.status).toBe(200);
      expect(devices.body.items.map((d: { deviceId: string }) => d.deviceId)).toEqual(['dev-p1']);
      expect(t.gateway.contexts.at(-1)!.actor).toEqual({ kind: 'operator', id: issued.tokenId });

      let listed: { status: number; body: { items: Record<string, unknown>[] } } = { status: 0, body: { items: [] } };
      await eventually(async () => (listed = await admin('GET', '/v1/tokens?fleet=plant-7')).body.items.length === 1);
      expect(listed.body.items[0]).toEqual({
        tokenId: issued.tokenId,
        fleet: 'plant-7',
        name: 'CI deploys',
        role: 'operator',
        status: 'active',
        expiresAt: issued.expiresAt,
        createdAt: expect.any(String),
        createdBy: 'operator:admin',
      });
      expect(JSON.stringify(listed.body)).not.toContain(issued.token.slice(-43));

      const revoked = await admin('DELETE', `/v1/tokens/${issued.tokenId}?fleet=plant-7`, { reason: 'pipeline retired' });
      expect(revoked).toMatchObject({ status: 200, body: { tokenId: issued.tokenId, status: 'revoked', changed: true } });
      const refused = await withToken('GET', '/v1/devices?fleet=plant-7');
      expect(refused).toMatchObject({ status: 401, body: { error: { kind: 'Unauthorized', code: 'auth.unauthenticated' } } });
      expect((await admin('DELETE', `/v1/tokens/${issued.tokenId}?fleet=plant-7`)).body.changed).toBe(false);
      await eventually(async () => (await admin('GET', '/v1/tokens?fleet=plant-7')).body.items[0].status === 'revoked');
      expect((await admin('GET', '/v1/tokens?fleet=plant-7')).body.items[0]).toMatchObject({
        revokedBy: 'operator:admin',
        revokeReason: 'pipeline retired',
      });
    });

    it('is refused in another fleet with 403, before any service is asked', async () => {
      const { token } = await create('plant-7', { name: 'plant 7 only' });
      const before = t.gateway.contexts.length;
      for (const path of ['/v1/devices', '/v1/devices?fleet=default', '/v1/devices?fleet=plant-7&fleet=default']) {
        const res = await apiClient(t.url, token)('GET', path);
        expect(res).toMatchObject({ status: 403, body: { error: { kind: 'Forbidden', code: 'auth.wrong-fleet' } } });
      }
      expect(t.gateway.contexts.length).toBe(before);
    });

    it('is refused with 401 from the instant it expires', async () => {
      // The api's clock stands still where it is set: the last millisecond before the expiry and the expiry itself.
      const issuedAt = t.clock.set(Date.now());
      try {
        const { token, expiresAt } = await create('plant-7', { name: 'short-lived', ttlSeconds: 60 });
        expect(Date.parse(expiresAt)).toBe(issuedAt.getTime() + 60_000);
        const withToken = apiClient(t.url, token);
        const listed = async () =>
          ((await admin('GET', '/v1/tokens?fleet=plant-7')).body.items as { name: string; status: string }[]).find(
            (i) => i.name === 'short-lived',
          );

        t.clock.set(Date.parse(expiresAt) - 1);
        expect((await withToken('GET', '/v1/devices?fleet=plant-7')).status).toBe(200);
        await eventually(async () => (await listed()) !== undefined);
        expect((await listed())?.status).toBe('active');

        t.clock.set(expiresAt);
        expect(await withToken('GET', '/v1/devices?fleet=plant-7')).toMatchObject({
          status: 401,
          body: { error: { kind: 'Unauthorized', code: 'auth.unauthenticated' } },
        });
        expect((await listed())?.status).toBe('expired');
      } finally {
        t.clock.release();
      }
    });

    it('is refused with 401 when its secret or fleet part is altered', async () => {
      const { token } = await create('plant-7', { name: 'tampered' });
      const last = token.at(-1) === 'A' ? 'B' : 'A';
      for (const forged of [
        `${token.slice(0, -1)}${last}`,
        token.replace('kls_plant-7_', 'kls_default_'),
        'kls_plant-7_at-0000000000000000_x',
      ]) {
        expect((await apiClient(t.url, forged)('GET', '/v1/devices?fleet=plant-7')).status).toBe(401);
      }
    });
  });

  describe('roles', () => {
    it('lets a viewer read but not act, and only an admin token manage tokens', async () => {
      const viewer = apiClient(t.url, (await create('plant-7', { name: 'dashboard', role: 'viewer' })).token);
      expect((await viewer('GET', '/v1/devices?fleet=plant-7')).status).toBe(200);
      expect(await viewer('POST', '/v1/groups?fleet=plant-7', { name: 'g', devices: ['cam-01'] })).toMatchObject({
        status: 403,
        body: { error: { code: 'auth.role' } },
      });
      const operator = apiClient(t.url, (await create('plant-7', { name: 'ops' })).token);
      expect((await operator('GET', '/v1/tokens?fleet=plant-7')).status).toBe(403);
      const fleetAdmin = apiClient(t.url, (await create('plant-7', { name: 'plant admin', role: 'admin' })).token);
      const issuedByToken = await fleetAdmin('POST', '/v1/tokens?fleet=plant-7', { name: 'made by a fleet admin', role: 'viewer' });
      expect(issuedByToken.status).toBe(201);
      expect((await fleetAdmin('POST', '/v1/tokens?fleet=default', { name: 'elsewhere' })).status).toBe(403);
    });

    it('refuses a bad request with 400 and issues nothing', async () => {
      const before = await operatorStreamText(t);
      for (const body of [{}, { name: 'x', role: 'root' }, { name: 'x', ttlSeconds: 0 }, { name: 'x', token: 'mine' }]) {
        expect((await admin('POST', '/v1/tokens?fleet=plant-7', body)).status).toBe(400);
      }
      expect(await operatorStreamText(t)).toBe(before);
    });
  });

  it('keeps the secret out of the stream: only its digest is stored, and the actor is the token id', async () => {
    const issued = await create('plant-7', { name: 'leak check' });
    await apiClient(t.url, issued.token)('POST', '/v1/tokens?fleet=plant-7', { name: 'nope' }); // a refused try, too
    const text = await operatorStreamText(t);
    expect(text).toContain(issued.tokenId);
    expect(text).not.toContain(issued.token);
    expect(text).not.toContain(issued.token.slice(-43));
    expect(text).not.toContain(t.adminToken);
  });
});
