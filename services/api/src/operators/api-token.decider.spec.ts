import type { ApiTokenIssued, OperatorEvent } from '@keelson/events';
import { given, NotFound, RuleViolation } from '@keelson/domain-kit';
import { accessOf, apiToken, type ApiTokenCommand } from './api-token.decider.js';

const issued: ApiTokenIssued = {
  type: 'ApiTokenIssued',
  schemaVersion: 1,
  data: {
    fleet: 'plant-7',
    tokenId: 'at-1',
    name: 'CI deploys',
    role: 'operator',
    expiresAt: '2026-12-01T00:00:00.000Z',
    secretSha256: 'a'.repeat(64),
  },
};
const revoke: ApiTokenCommand = { type: 'RevokeApiToken', fleet: 'plant-7', tokenId: 'at-1', reason: 'laptop lost' };
const revoked: OperatorEvent = {
  type: 'ApiTokenRevoked',
  schemaVersion: 1,
  data: { fleet: 'plant-7', tokenId: 'at-1', reason: 'laptop lost' },
};
const after = (...events: OperatorEvent[]) => events.reduce(apiToken.evolve, apiToken.initialState());

describe('API token', () => {
  describe('issuing', () => {
    it('records name, role, fleet, expiry and the digest of the secret', () => {
      given(apiToken, [])
        .when({ type: 'IssueApiToken', ...issued.data })
        .then([issued]);
    });
    it('refuses to issue the same token id twice', () => {
      given(apiToken, [issued])
        .when({ type: 'IssueApiToken', ...issued.data, name: 'other' })
        .thenThrows(RuleViolation, 'api-token.exists');
    });
  });

  describe('revoking', () => {
    it('revokes an active token, with the reason', () => {
      given(apiToken, [issued]).when(revoke).then([revoked]);
    });
    it('revokes without a reason', () => {
      given(apiToken, [issued])
        .when({ type: 'RevokeApiToken', fleet: 'plant-7', tokenId: 'at-1' })
        .then([{ type: 'ApiTokenRevoked', schemaVersion: 1, data: { fleet: 'plant-7', tokenId: 'at-1' } }]);
    });
    it('treats revoking twice as done', () => {
      given(apiToken, [issued, revoked]).when(revoke).then([]);
    });
    it('does not find a token that was never issued', () => {
      given(apiToken, []).when(revoke).thenThrows(NotFound, 'api-token.not-found');
    });
    it('does not find a token of another fleet', () => {
      given(apiToken, [issued])
        .when({ ...revoke, fleet: 'plant-8' })
        .thenThrows(NotFound, 'api-token.not-found');
    });
  });

  describe('access', () => {
    it('is granted to an active token before its expiry', () => {
      expect(accessOf(after(issued), '2026-11-30T23:59:59.999Z')).toBe('granted');
    });
    it('ends at the instant of expiry', () => {
      expect(accessOf(after(issued), '2026-12-01T00:00:00.000Z')).toBe('expired');
    });
    it('ends with revocation, and a revoked token stays revoked after its expiry', () => {
      expect(accessOf(after(issued, revoked), '2026-11-23T10:00:00.000Z')).toBe('revoked');
      expect(accessOf(after(issued, revoked), '2027-01-01T00:00:00.000Z')).toBe('revoked');
    });
    it('is unknown for a token never issued', () => {
      expect(accessOf(after(), '2026-11-23T10:00:00.000Z')).toBe('unknown');
    });
  });
});
