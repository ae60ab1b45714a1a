import { eventually } from '@keelson/testing';
// The CLI is specified against the real api app; its fixture (responders, facade stand-in) is test-only code, not a dependency.
import { startApiApp, type ApiTestApp } from '@keelson/api/testing';
import { keelson } from '../test-fixtures/run-cli.js';

describe('keelson token', () => {
  let t: ApiTestApp;

  beforeAll(async () => {
    t = await startApiApp();
    t.gateway.addDevice('plant-7', 'dev-1', 'cam-01');
  });
  afterAll(() => t.close());

  it('creates a token that works with the CLI in its fleet, lists it without the secret, and revokes it', async () => {
    const created = await keelson(
      t.url,
      t.adminToken,
      'token',
      'create',
      'night shift',
      '--role',
      'operator',
      '--ttl-days',
      '7',
      '--fleet',
      'plant-7',
    );
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^kls_plant-7_at-[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/operator token at-[0-9a-f]{16} for fleet plant-7, valid until .*shown this once/);
    const tokenId = token.split('_')[2]!;

    expect((await keelson(t.url, token, 'device', 'list', '--fleet', 'plant-7')).stdout).toContain('dev-1');
    const elsewhere = await keelson(t.url, token, 'device', 'list');
    expect(elsewhere).toMatchObject({ code: 1, stderr: expect.stringContaining("acts in fleet 'plant-7' only") });

    await eventually(async () => (await keelson(t.url, t.adminToken, 'token', 'list', '--fleet', 'plant-7')).stdout.includes(tokenId));
    const listed = await keelson(t.url, t.adminToken, 'token', 'list', '--fleet', 'plant-7');
    expect(listed.stdout).toMatch(new RegExp(`${tokenId}\\s+night shift\\s+operator\\s+active\\s+\\S+\\s+operator:admin`));
    expect(listed.stdout).not.toContain(token.slice(-43));

    const revoked = await keelson(t.url, t.adminToken, 'token', 'revoke', tokenId, '--reason', 'shift over', '--fleet', 'plant-7');
    expect(revoked).toMatchObject({ code: 0, stdout: `${tokenId} revoked\n` });
    expect(await keelson(t.url, token, 'device', 'list', '--fleet', 'plant-7')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('a valid bearer token is required'),
    });
  });

  it('refuses a role or lifetime it does not know before calling the API', async () => {
    expect((await keelson(t.url, t.adminToken, 'token', 'create', 'x', '--role', 'root')).code).toBe(2);
    expect((await keelson(t.url, t.adminToken, 'token', 'create', 'x', '--ttl-days', '0')).code).toBe(2);
    expect((await keelson(t.url, t.adminToken, 'token', 'list', '--json')).json()).toEqual({ items: [] });
  });
});
