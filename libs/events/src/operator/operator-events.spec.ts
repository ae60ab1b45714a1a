import { rejectedPaths } from '../test-support/rejected-paths.js';
import { parseOperatorEvent, type AdminCredentialRotated, type ApiTokenIssued } from './operator-events.js';

const issuesOf = (raw: unknown): string[] => rejectedPaths(parseOperatorEvent, raw);

const issued: ApiTokenIssued = {
  type: 'ApiTokenIssued',
  schemaVersion: 1,
  data: {
    fleet: 'plant-7',
    tokenId: 'at-0123456789abcdef',
    name: 'CI deploys',
    role: 'operator',
    expiresAt: '2027-02-21T10:00:00.000Z',
    secretSha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  },
};

describe('operator events', () => {
  it('parse an issued token, a revocation and an admin rotation to themselves', () => {
    expect(parseOperatorEvent(issued)).toEqual(issued);
    const revoked = {
      type: 'ApiTokenRevoked',
      schemaVersion: 1,
      data: { fleet: 'plant-7', tokenId: 'at-0123456789abcdef', reason: 'laptop lost' },
    };
    expect(parseOperatorEvent(revoked)).toEqual(revoked);
    const rotated: AdminCredentialRotated = {
      type: 'AdminCredentialRotated',
      schemaVersion: 1,
      data: { fleet: 'default', credential: 'KEELSON_ADMIN_TOKEN', rotatedAt: '2026-11-23T11:00:00.000Z' },
    };
    expect(parseOperatorEvent(rotated)).toEqual(rotated);
  });

  it('parse a platform secret rotation, which names the variable and how many keys were re-sealed', () => {
    const rotated = {
      type: 'PlatformSecretRotated',
      schemaVersion: 1,
      data: {
        fleet: 'default',
        credential: 'KEELSON_DEVICE_CA_KEY_SECRET',
        service: 'device-gateway',
        keys: 3,
        rotatedAt: '2026-11-23T11:00:00.000Z',
      },
    };
    expect(parseOperatorEvent(rotated)).toEqual(rotated);
    expect(issuesOf({ ...rotated, data: { ...rotated.data, credential: 'KEELSON_ADMIN_TOKEN', keys: 0 } })).toEqual([
      'data.credential',
      'data.keys',
    ]);
  });

  describe('reject', () => {
    it('the token or its secret, which must never be stored', () => {
      expect(issuesOf({ ...issued, data: { ...issued.data, token: 'kls_plant-7_at-0123456789abcdef_x' } })).toEqual(['data']);
      expect(issuesOf({ ...issued, data: { ...issued.data, secret: 'x'.repeat(43) } })).toEqual(['data']);
    });

    it('a role that does not exist and a digest in uppercase', () => {
      expect(issuesOf({ ...issued, data: { ...issued.data, role: 'root', secretSha256: issued.data.secretSha256.toUpperCase() } })).toEqual(
        ['data.role', 'data.secretSha256'],
      );
    });

    it('a rotation of anything but the admin token, and a rotation carrying a value', () => {
      const data = { fleet: 'default', credential: 'KEELSON_INTERNAL_TOKEN', rotatedAt: '2026-11-23T11:00:00.000Z' };
      expect(issuesOf({ type: 'AdminCredentialRotated', schemaVersion: 1, data })).toEqual(['data.credential']);
      const withValue = { ...data, credential: 'KEELSON_ADMIN_TOKEN', value: 'kadm_x' };
      expect(issuesOf({ type: 'AdminCredentialRotated', schemaVersion: 1, data: withValue })).toEqual(['data']);
    });
  });
});
