import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '@keelson/testing';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 4, trust chain: an operator's API token acts in its fleet as itself, and its secret reaches no
// event, no audit entry and no log, with every service under its own least-privilege NATS user.
interface AuditItem {
  type: string;
  keelsonactor: string;
  data: Record<string, unknown>;
}

describe('operator API tokens on the whole platform', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ tls: false });
  }, 240_000);
  afterAll(async () => {
    await platform?.destroy();
  }, 60_000);

  const withToken = async (token: string, path: string, body?: unknown) => {
    const res = await fetch(`${platform.apiUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
  };
  const auditItems = async () => (await platform.api<{ items: AuditItem[] }>('/v1/audit?limit=1000')).body.items;

  it('acts as operator:<tokenId> in its fleet only, is audited, is refused once revoked, and its secret is nowhere', async () => {
    const issued = await platform.api<{ tokenId: string; token: string }>('/v1/tokens', {
      body: { name: 'e2e operator', role: 'operator' },
    });
    expect(issued.status).toBe(201);
    const { tokenId, token } = issued.body;

    expect((await withToken(token, '/v1/enrollment-tokens', { ttlSeconds: 600 })).status).toBe(201);
    expect(await withToken(token, '/v1/devices?fleet=plant-9')).toMatchObject({
      status: 403,
      body: { error: { code: 'auth.wrong-fleet' } },
    });

    await eventually(async () =>
      (await auditItems()).some((e) => e.type.endsWith('.EnrollmentTokenIssued') && e.keelsonactor === `operator:${tokenId}`),
    );
    expect((await platform.api(`/v1/tokens/${tokenId}`, { method: 'DELETE' })).status).toBe(200);
    expect((await withToken(token, '/v1/devices')).status).toBe(401);

    await eventually(async () => (await auditItems()).some((e) => e.type.endsWith('.ApiTokenRevoked')));
    const items = await auditItems();
    expect(items.find((e) => e.type.endsWith('.ApiTokenIssued'))).toMatchObject({
      keelsonactor: 'operator:admin',
      data: { tokenId, name: 'e2e operator', role: 'operator' },
    });
    const secret = token.slice(-43);
    expect(JSON.stringify(items)).not.toContain(secret);
    const logs = join(platform.home, 'logs');
    for (const file of readdirSync(logs)) expect(readFileSync(join(logs, file), 'utf8')).not.toContain(secret);
  });
});
