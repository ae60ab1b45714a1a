import { apiClient } from '../test-fixtures/http-client.js';
import { startApiApp, type ApiTestApp } from '../test-fixtures/api-app.js';

describe('verifying the audit chain (GET /v1/audit/verify)', () => {
  let t: ApiTestApp;
  let admin: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    t = await startApiApp();
    admin = apiClient(t.url, t.adminToken);
    t.audit.add('plant-7', 'RolloutStarted', { rolloutId: 'r-1' });
    t.audit.add('default', 'RolloutStarted', { rolloutId: 'r-2' });
  });
  afterAll(() => t.close());

  const tokenOf = async (fleet: string, role: string): Promise<string> => {
    const res = await admin('POST', `/v1/tokens?fleet=${fleet}`, { name: `${role} of ${fleet}`, role });
    expect(res.status).toBe(201);
    return (res.body as { token: string }).token;
  };

  it('answers the admin token with the chain of every fleet', async () => {
    const before = t.audit.verifications;
    const res = await admin('GET', '/v1/audit/verify');
    expect(res).toMatchObject({ status: 200, body: { intact: true, entries: 2, headHash: t.audit.entries[1]!.keelsonhash } });
    expect(t.audit.verifications).toBe(before + 1);
  });

  describe('with an API token', () => {
    it.each(['viewer', 'operator', 'admin'])(
      'refuses a fleet token of role %s with 403, before the audit service is asked',
      async (role) => {
        const token = await tokenOf('plant-7', role);
        const before = t.audit.verifications;
        for (const path of ['/v1/audit/verify?fleet=plant-7', '/v1/audit/verify?fleet=default', '/v1/audit/verify']) {
          const res = await apiClient(t.url, token)('GET', path);
          expect(res).toMatchObject({ status: 403, body: { error: { kind: 'Forbidden', code: 'auth.installation' } } });
          expect(JSON.stringify(res.body)).not.toContain('r-2');
        }
        expect(t.audit.verifications).toBe(before);
      },
    );

    it("still reads its own fleet's trail", async () => {
      const viewer = apiClient(t.url, await tokenOf('plant-7', 'viewer'));
      const res = await viewer('GET', '/v1/audit?fleet=plant-7');
      expect(res.status).toBe(200);
      expect(res.body.items.map((e: { data: { rolloutId: string } }) => e.data.rolloutId)).toEqual(['r-1']);
    });
  });
});
