import { audit } from '@keelson/requests';
import type { KeelsonEvent } from '@keelson/events';
import { sendRequest } from '@keelson/service-kit';
import { eventually } from '@keelson/testing';
import { auditHarness, type AuditHarness } from '../test-fixtures/audit-app.js';
import * as ev from '../test-fixtures/sample-events.js';

const tokenId = 'at-0123456789abcdef';
const issued: KeelsonEvent = {
  type: 'ApiTokenIssued',
  schemaVersion: 1,
  data: {
    fleet: 'default',
    tokenId,
    name: 'CI deploys',
    role: 'operator',
    expiresAt: '2027-01-01T00:00:00.000Z',
    secretSha256: ev.sha('c'),
  },
};
const revoked: KeelsonEvent = {
  type: 'ApiTokenRevoked',
  schemaVersion: 1,
  data: { fleet: 'default', tokenId, reason: 'pipeline retired' },
};
const rotated: KeelsonEvent = {
  type: 'AdminCredentialRotated',
  schemaVersion: 1,
  data: { fleet: 'default', credential: 'KEELSON_ADMIN_TOKEN', rotatedAt: '2026-11-23T11:00:00.000Z' },
};

const caKeysResealed: KeelsonEvent = {
  type: 'PlatformSecretRotated',
  schemaVersion: 1,
  data: {
    fleet: 'default',
    credential: 'KEELSON_DEVICE_CA_KEY_SECRET',
    service: 'device-gateway',
    keys: 2,
    rotatedAt: '2026-11-23T11:05:00.000Z',
  },
};
const signerKeysResealed: KeelsonEvent = {
  type: 'PlatformSecretRotated',
  schemaVersion: 1,
  data: { fleet: 'default', credential: 'KEELSON_SIGNER_KEY_SECRET', service: 'signer', keys: 8, rotatedAt: '2026-11-23T11:10:00.000Z' },
};

describe("the audit of credential events (EV_OPERATORS, and key rotations on their owners' streams: the gateway's and the signer's)", () => {
  let h: AuditHarness;

  beforeAll(async () => {
    h = await auditHarness();
    await h.start();
  });
  afterAll(() => h?.close());

  it('records tokens issued and revoked, credential rotations, and what a token did, each with its actor and no secret', async () => {
    const subject = (aggregate: string, id: string) => h.stores.api.subject(aggregate, 'default', id);
    await h.append('api', subject('apitoken', tokenId), [issued], { kind: 'operator', id: 'admin' });
    await h.append('orchestrator', h.stores.orchestrator.subject('rollout', 'default', 'r-1'), [ev.rolloutHalted('default', 'r-1')], {
      kind: 'operator',
      id: tokenId,
    });
    await h.append('api', subject('apitoken', tokenId), [revoked], { kind: 'operator', id: 'admin' });
    await h.append('api', subject('operator', 'credentials'), [rotated], { kind: 'service', id: 'api' });
    await h.append('gateway', h.stores.gateway.subject('enrollment', 'default', 'device-ca-key'), [caKeysResealed], {
      kind: 'service',
      id: 'device-gateway',
    });
    // The signer's, on its own stream beside ev.tuf.
    await h.append('signer', h.stores.signer.subject('signer', 'default', 'signer-key'), [signerKeysResealed], {
      kind: 'service',
      id: 'signer',
    });
    let items: Awaited<ReturnType<typeof sendRequest<typeof audit.queryAudit>>>['items'] = [];
    await eventually(async () => (items = (await sendRequest(h.nc, h.naming, audit.queryAudit, { fleet: 'default' })).items).length === 6);
    expect(items.map((e) => [e.type, e.keelsonactor])).toEqual([
      ['io.keelson.apitoken.ApiTokenIssued', 'operator:admin'],
      ['io.keelson.rollout.RolloutHalted', `operator:${tokenId}`],
      ['io.keelson.apitoken.ApiTokenRevoked', 'operator:admin'],
      ['io.keelson.operator.AdminCredentialRotated', 'service:api'],
      ['io.keelson.enrollment.PlatformSecretRotated', 'service:device-gateway'],
      ['io.keelson.signer.PlatformSecretRotated', 'service:signer'],
    ]);
    expect(items[0]!.data).toEqual(issued.data); // the digest and nothing else of the secret
    expect(items[3]!.data).toEqual(rotated.data);
    expect(items[4]!.data).toEqual(caKeysResealed.data);
    expect(items[5]).toMatchObject({
      data: signerKeysResealed.data,
      keelsonstream: expect.stringMatching(/EV_TUF$/),
      subject: expect.stringMatching(/ev\.signer\.default\.signer-key$/),
    });
    const recognised = await h.db.query<{ recognised: boolean }>(`SELECT recognised FROM audit_log WHERE stream LIKE '%EV_OPERATORS'`);
    expect(recognised.map((r) => r.recognised)).toEqual([true, true, true]);
  });
});
