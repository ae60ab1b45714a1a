import { rejectedPaths } from '../test-support/rejected-paths.js';
import { parseEnrollmentEvent, type EnrollmentRefused, type EnrollmentTokenIssued } from './enrollment-events.js';

const issuesOf = (raw: unknown): string[] => rejectedPaths(parseEnrollmentEvent, raw);

const issued: EnrollmentTokenIssued = {
  type: 'EnrollmentTokenIssued',
  schemaVersion: 1,
  data: {
    fleet: 'plant-7',
    tokenId: 'et-9k2m4',
    tokenSha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    expiresAt: '2025-11-05T09:00:00Z',
    labels: { line: 'dock' },
    groupId: 'g-dock-cameras',
  },
};

describe('enrollment events', () => {
  it('parse an issued token to itself', () => {
    expect(parseEnrollmentEvent(issued)).toEqual(issued);
  });

  it('parse redemption, revocation and a refusal without a token id', () => {
    const refused: EnrollmentRefused = { type: 'EnrollmentRefused', schemaVersion: 1, data: { fleet: 'plant-7', reason: 'unknown' } };
    expect(parseEnrollmentEvent(refused)).toEqual(refused);
    const redeemed = { fleet: 'plant-7', tokenId: 'et-9k2m4', deviceId: 'cam-dock-03' };
    expect(parseEnrollmentEvent({ type: 'EnrollmentTokenRedeemed', schemaVersion: 1, data: redeemed }).data).toEqual(redeemed);
    const revoked = { type: 'EnrollmentTokenRevoked', schemaVersion: 1, data: { fleet: 'plant-7', tokenId: 'et-9k2m4' } };
    expect(parseEnrollmentEvent(revoked)).toEqual(revoked);
  });

  describe('reject', () => {
    it('the token itself, which must never be stored', () => {
      expect(issuesOf({ ...issued, data: { ...issued.data, token: 'kt_live_5Jq8' } })).toEqual(['data']);
    });

    it('a token digest in uppercase and an expiry with an offset', () => {
      const data = { ...issued.data, tokenSha256: issued.data.tokenSha256.toUpperCase(), expiresAt: '2025-11-05T10:00:00+01:00' };
      expect(issuesOf({ ...issued, data })).toEqual(['data.tokenSha256', 'data.expiresAt']);
    });

    it('a refusal reason that is not defined', () => {
      const refused = { type: 'EnrollmentRefused', schemaVersion: 1, data: { fleet: 'plant-7', reason: 'busy' } };
      expect(issuesOf(refused)).toEqual(['data.reason']);
    });
  });
});
