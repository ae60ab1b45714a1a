import { randomBytes } from 'node:crypto';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseOperatorEvent, type OperatorEvent } from '@keelson/events';
import { eventually } from '@keelson/testing';
import { apiClient } from '../test-fixtures/http-client.js';
import { startApiApp, type ApiTestApp } from '../test-fixtures/api-app.js';

const freshAdminToken = () => `kadm_${randomBytes(24).toString('base64url')}`;

describe('rotating the admin token (KEELSON_ADMIN_TOKEN, then an api restart)', () => {
  const first = freshAdminToken();
  const second = freshAdminToken();
  let t: ApiTestApp;
  let store: EventStore<OperatorEvent>;
  let apiToken: { tokenId: string; token: string };

  const credentialEvents = async () => {
    const { events } = await store.load(store.subject('operator', 'default', 'credentials'));
    return events;
  };

  beforeAll(async () => {
    t = await startApiApp({ KEELSON_ADMIN_TOKEN: first });
    store = new EventStore<OperatorEvent>({ nc: t.nc, naming: t.naming, stream: eventStreams.api, parse: parseOperatorEvent });
    t.gateway.addDevice('default', 'dev-a1', 'cam-01');
    apiToken = (await apiClient(t.url, first)('POST', '/v1/tokens', { name: 'issued before the rotation' })).body;
    await eventually(async () => (await apiClient(t.url, first)('GET', '/v1/tokens')).body.items.length === 1);
  });
  afterAll(() => t.close());

  it('records nothing on the first start: there was no earlier token to replace', async () => {
    expect(await credentialEvents()).toEqual([]);
  });

  it('refuses the old token after the restart, accepts the new one, and loses no API token', async () => {
    await t.restart({ KEELSON_ADMIN_TOKEN: second });
    expect((await apiClient(t.url, first)('GET', '/v1/devices')).status).toBe(401);
    expect((await apiClient(t.url, second)('GET', '/v1/devices')).status).toBe(200);
    expect((await apiClient(t.url, apiToken.token)('GET', '/v1/devices')).status).toBe(200);
    const listed = await apiClient(t.url, second)('GET', '/v1/tokens');
    expect(listed.body.items.map((i: { tokenId: string }) => i.tokenId)).toEqual([apiToken.tokenId]);
  });

  it('audits the change once, as the api, naming the variable and neither value', async () => {
    const events = await credentialEvents();
    expect(events.map((r) => ({ type: r.event.type, data: r.event.data, actor: r.meta.actor }))).toEqual([
      {
        type: 'AdminCredentialRotated',
        data: { fleet: 'default', credential: 'KEELSON_ADMIN_TOKEN', rotatedAt: expect.any(String) },
        actor: { kind: 'service', id: 'api' },
      },
    ]);
    const stored = JSON.stringify(events);
    expect(stored).not.toContain(first);
    expect(stored).not.toContain(second);
  });

  it('records nothing more when restarted with the same token', async () => {
    await t.restart({ KEELSON_ADMIN_TOKEN: second });
    expect((await apiClient(t.url, second)('GET', '/v1/devices')).status).toBe(200);
    expect(await credentialEvents()).toHaveLength(1);
  });

  it('refuses to start with an admin token that looks like an API token', async () => {
    await expect(t.restart({ KEELSON_ADMIN_TOKEN: `kls_${second}` })).rejects.toThrow(/KEELSON_ADMIN_TOKEN must not start with kls_/);
    await t.restart({ KEELSON_ADMIN_TOKEN: second });
  });
});
