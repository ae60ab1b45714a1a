import type { EnrollmentEvent, EnrollmentRefusal } from '@keelson/events';
import { assertNever, NotFound, RuleViolation, type Decider } from '@keelson/domain-kit';

interface TokenFacts {
  fleet: string;
  tokenId: string;
  tokenSha256: string;
  expiresAt: string;
  labels: Record<string, string>;
  groupId?: string;
  /** Set for a re-enrollment token: the existing device it enrolls again. */
  reenrolls?: string;
}

/** One enrollment token (`ev.enrollment.<fleet>.<tokenId>`): usable once, until it expires or is revoked. */
export type EnrollmentToken =
  | { status: 'absent' }
  | ({ status: 'issued' } & TokenFacts)
  | ({ status: 'redeemed'; deviceId: string } & TokenFacts)
  | ({ status: 'revoked' } & TokenFacts);

/** A device presenting a token at `at`. */
interface Presentation {
  fleet: string;
  tokenId: string;
  /** Digest of the token the device presented; compared with the one stored at issue. */
  tokenSha256: string;
  at: string;
  /** Whether the device's CSR passed its checks; a bad CSR is refused without using the token up. */
  csrAccepted: boolean;
}

export type EnrollmentTokenCommand =
  | ({ type: 'IssueEnrollmentToken' } & Omit<TokenFacts, 'reenrolls'>)
  | { type: 'IssueReenrollmentToken'; fleet: string; tokenId: string; tokenSha256: string; expiresAt: string; deviceId: string }
  | ({ type: 'RedeemEnrollmentToken'; deviceId: string } & Presentation)
  /** Records why a token cannot be redeemed now, and nothing if it can: enrollment asks before its slow work. */
  | ({ type: 'CheckEnrollmentToken' } & Presentation)
  | { type: 'RevokeEnrollmentToken'; fleet: string; tokenId: string };

export const initialState = (): EnrollmentToken => ({ status: 'absent' });

function refused(fleet: string, reason: EnrollmentRefusal, tokenId?: string): EnrollmentEvent[] {
  return [{ type: 'EnrollmentRefused', schemaVersion: 1, data: tokenId ? { fleet, tokenId, reason } : { fleet, reason } }];
}

function refusalOf(command: Presentation, state: EnrollmentToken): EnrollmentEvent[] {
  const { fleet, tokenId } = command;
  // A wrong secret for a real token id is as unknown as a made-up id: neither proves anything.
  if (state.status === 'absent' || state.tokenSha256 !== command.tokenSha256) return refused(fleet, 'unknown');
  if (state.fleet !== fleet) return refused(fleet, 'foreign-fleet', tokenId);
  if (state.status === 'revoked') return refused(fleet, 'revoked', tokenId);
  if (state.status === 'redeemed') return refused(fleet, 'used', tokenId);
  if (Date.parse(command.at) >= Date.parse(state.expiresAt)) return refused(fleet, 'expired', tokenId);
  if (!command.csrAccepted) return refused(fleet, 'bad-csr', tokenId);
  return [];
}

function redeem(command: Extract<EnrollmentTokenCommand, { type: 'RedeemEnrollmentToken' }>, state: EnrollmentToken): EnrollmentEvent[] {
  const refusal = refusalOf(command, state);
  if (refusal.length) return refusal;
  // A re-enrollment token enrolls only the device it was minted for, whatever id the caller proposes.
  const deviceId = state.status === 'issued' && state.reenrolls ? state.reenrolls : command.deviceId;
  return [{ type: 'EnrollmentTokenRedeemed', schemaVersion: 1, data: { fleet: command.fleet, tokenId: command.tokenId, deviceId } }];
}

export function decide(command: EnrollmentTokenCommand, state: EnrollmentToken): EnrollmentEvent[] {
  switch (command.type) {
    case 'IssueEnrollmentToken': {
      if (state.status !== 'absent') throw new RuleViolation('enrollment-token.exists', `enrollment token '${command.tokenId}' exists`);
      const { type: _type, ...data } = command;
      return [{ type: 'EnrollmentTokenIssued', schemaVersion: 1, data }];
    }
    case 'IssueReenrollmentToken': {
      if (state.status !== 'absent') throw new RuleViolation('enrollment-token.exists', `enrollment token '${command.tokenId}' exists`);
      const { type: _type, ...data } = command;
      return [{ type: 'ReenrollmentTokenIssued', schemaVersion: 1, data }];
    }
    case 'RedeemEnrollmentToken':
      return redeem(command, state);
    case 'CheckEnrollmentToken':
      return refusalOf(command, state);
    case 'RevokeEnrollmentToken':
      if (state.status === 'absent' || state.fleet !== command.fleet) throw new NotFound('enrollment-token', command.tokenId);
      if (state.status === 'redeemed')
        throw new RuleViolation('enrollment-token.used', `enrollment token '${command.tokenId}' has enrolled a device already`);
      if (state.status === 'revoked') return [];
      return [{ type: 'EnrollmentTokenRevoked', schemaVersion: 1, data: { fleet: command.fleet, tokenId: command.tokenId } }];
    default:
      return assertNever(command);
  }
}

export function evolve(state: EnrollmentToken, event: EnrollmentEvent): EnrollmentToken {
  switch (event.type) {
    case 'EnrollmentTokenIssued':
      return { status: 'issued', ...event.data };
    case 'ReenrollmentTokenIssued': {
      const { deviceId, ...token } = event.data;
      return { status: 'issued', ...token, labels: {}, reenrolls: deviceId };
    }
    case 'EnrollmentTokenRedeemed':
      return state.status === 'issued' ? { ...state, status: 'redeemed', deviceId: event.data.deviceId } : state;
    case 'EnrollmentTokenRevoked':
      return state.status === 'issued' ? { ...state, status: 'revoked' } : state;
    case 'EnrollmentRefused':
      return state; // a refusal changes nothing about the token
    default:
      return state;
  }
}

export const enrollmentToken: Decider<EnrollmentTokenCommand, EnrollmentEvent, EnrollmentToken> = { initialState, decide, evolve };
