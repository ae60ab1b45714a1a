import type { EnrollmentEvent, EnrollmentTokenIssued } from '@keelson/events';
import { given, NotFound, RuleViolation } from '@keelson/domain-kit';
import { enrollmentToken, type EnrollmentTokenCommand } from './enrollment-token.decider.js';

const digest = 'a'.repeat(64);
const issued: EnrollmentTokenIssued = {
  type: 'EnrollmentTokenIssued',
  schemaVersion: 1,
  data: {
    fleet: 'plant-7',
    tokenId: 'et-1',
    tokenSha256: digest,
    expiresAt: '2026-11-22T11:00:00.000Z',
    labels: { line: 'dock' },
    groupId: 'g-dock',
  },
};
const redeem = (over: Partial<Extract<EnrollmentTokenCommand, { type: 'RedeemEnrollmentToken' }>> = {}): EnrollmentTokenCommand => ({
  type: 'RedeemEnrollmentToken',
  fleet: 'plant-7',
  tokenId: 'et-1',
  tokenSha256: digest,
  deviceId: 'd-01',
  at: '2026-11-22T10:00:00.000Z',
  csrAccepted: true,
  ...over,
});
const redeemed: EnrollmentEvent = {
  type: 'EnrollmentTokenRedeemed',
  schemaVersion: 1,
  data: { fleet: 'plant-7', tokenId: 'et-1', deviceId: 'd-01' },
};
const revoked: EnrollmentEvent = { type: 'EnrollmentTokenRevoked', schemaVersion: 1, data: { fleet: 'plant-7', tokenId: 'et-1' } };
const refusal = (reason: string, tokenId?: string): EnrollmentEvent =>
  ({
    type: 'EnrollmentRefused',
    schemaVersion: 1,
    data: tokenId ? { fleet: 'plant-7', tokenId, reason } : { fleet: 'plant-7', reason },
  }) as EnrollmentEvent;

describe('enrollment token', () => {
  describe('issuing', () => {
    it('records the digest, expiry, labels and group', () => {
      const { type: _t, schemaVersion: _v, data } = issued;
      given(enrollmentToken, [])
        .when({ type: 'IssueEnrollmentToken', ...data })
        .then([issued]);
    });
    it('refuses to issue the same token id twice', () => {
      given(enrollmentToken, [issued])
        .when({ type: 'IssueEnrollmentToken', ...issued.data })
        .thenThrows(RuleViolation, 'enrollment-token.exists');
    });
  });

  describe('redeeming', () => {
    it('enrolls the device once with a valid token', () => {
      given(enrollmentToken, [issued]).when(redeem()).then([redeemed]);
    });
    it('refuses a second use, also by another device', () => {
      given(enrollmentToken, [issued, redeemed])
        .when(redeem({ deviceId: 'd-02' }))
        .then([refusal('used', 'et-1')]);
    });
    it('refuses an expired token, from the second of its expiry on', () => {
      given(enrollmentToken, [issued])
        .when(redeem({ at: '2026-11-22T11:00:00.000Z' }))
        .then([refusal('expired', 'et-1')]);
    });
    it('refuses a revoked token', () => {
      given(enrollmentToken, [issued, revoked])
        .when(redeem())
        .then([refusal('revoked', 'et-1')]);
    });
    it('refuses a token id that was never issued without naming it', () => {
      given(enrollmentToken, [])
        .when(redeem())
        .then([refusal('unknown')]);
    });
    it('treats a wrong secret for a real token id as unknown', () => {
      given(enrollmentToken, [issued])
        .when(redeem({ tokenSha256: 'b'.repeat(64) }))
        .then([refusal('unknown')]);
    });
    it('refuses a token presented for another fleet', () => {
      given(enrollmentToken, [issued])
        .when(redeem({ fleet: 'plant-8' }))
        .then([{ type: 'EnrollmentRefused', schemaVersion: 1, data: { fleet: 'plant-8', tokenId: 'et-1', reason: 'foreign-fleet' } }]);
    });
    it('refuses a bad CSR but leaves the token usable', () => {
      const badCsr = refusal('bad-csr', 'et-1');
      given(enrollmentToken, [issued])
        .when(redeem({ csrAccepted: false }))
        .then([badCsr]);
      given(enrollmentToken, [issued, badCsr]).when(redeem()).then([redeemed]);
    });
    it('checks the token before the CSR, so a bad CSR cannot tell an attacker anything about a token', () => {
      given(enrollmentToken, [issued, redeemed])
        .when(redeem({ csrAccepted: false }))
        .then([refusal('used', 'et-1')]);
    });
  });

  describe('checking before enrollment does its work', () => {
    const check = (over: object = {}): EnrollmentTokenCommand =>
      ({ ...redeem(over), type: 'CheckEnrollmentToken' }) as EnrollmentTokenCommand;
    it('decides nothing for a redeemable token', () => {
      given(enrollmentToken, [issued]).when(check()).then([]);
    });
    it('records the same refusal a redemption would', () => {
      given(enrollmentToken, [issued, redeemed])
        .when(check())
        .then([refusal('used', 'et-1')]);
      given(enrollmentToken, [issued])
        .when(check({ csrAccepted: false }))
        .then([refusal('bad-csr', 'et-1')]);
    });
  });

  describe('revoking', () => {
    it('revokes an unused token', () => {
      given(enrollmentToken, [issued]).when({ type: 'RevokeEnrollmentToken', fleet: 'plant-7', tokenId: 'et-1' }).then([revoked]);
    });
    it('treats revoking twice as done', () => {
      given(enrollmentToken, [issued, revoked]).when({ type: 'RevokeEnrollmentToken', fleet: 'plant-7', tokenId: 'et-1' }).then([]);
    });
    it('cannot revoke a token that already enrolled a device', () => {
      given(enrollmentToken, [issued, redeemed])
        .when({ type: 'RevokeEnrollmentToken', fleet: 'plant-7', tokenId: 'et-1' })
        .thenThrows(RuleViolation, 'enrollment-token.used');
    });
    it('does not find a token that was never issued', () => {
      given(enrollmentToken, [])
        .when({ type: 'RevokeEnrollmentToken', fleet: 'plant-7', tokenId: 'et-1' })
        .thenThrows(NotFound, 'enrollment-token.not-found');
    });
  });

  describe('re-enrollment tokens', () => {
    const reissued: EnrollmentEvent = {
      type: 'ReenrollmentTokenIssued',
      schemaVersion: 1,
      data: { fleet: 'plant-7', tokenId: 'et-1', deviceId: 'd-existing', tokenSha256: digest, expiresAt: '2026-11-22T11:00:00.000Z' },
    };
    it('are issued for one existing device', () => {
      given(enrollmentToken, [])
        .when({
          type: 'IssueReenrollmentToken',
          fleet: 'plant-7',
          tokenId: 'et-1',
          deviceId: 'd-existing',
          tokenSha256: digest,
          expiresAt: '2026-11-22T11:00:00.000Z',
        })
        .then([reissued]);
    });
    it('enroll only the device they were minted for, whatever id is proposed', () => {
      given(enrollmentToken, [reissued])
        .when(redeem({ deviceId: 'd-new' }))
        .then([{ type: 'EnrollmentTokenRedeemed', schemaVersion: 1, data: { fleet: 'plant-7', tokenId: 'et-1', deviceId: 'd-existing' } }]);
    });
    it('are single use like any token', () => {
      const used: EnrollmentEvent = {
        type: 'EnrollmentTokenRedeemed',
        schemaVersion: 1,
        data: { fleet: 'plant-7', tokenId: 'et-1', deviceId: 'd-existing' },
      };
      given(enrollmentToken, [reissued, used])
        .when(redeem())
        .then([refusal('used', 'et-1')]);
    });
  });
});
