import type { ApiTokenRole, OperatorEvent } from '@keelson/events';
import { assertNever, NotFound, RuleViolation, type Decider } from '@keelson/domain-kit';

/** What an issued token is; the digest is all that is kept of its secret. */
export interface ApiTokenFacts {
  fleet: string;
  tokenId: string;
  name: string;
  role: ApiTokenRole;
  expiresAt: string;
  secretSha256: string;
}

/** One operator API token (`ev.apitoken.<fleet>.<tokenId>`): usable in its fleet until it expires or is revoked. */
export type ApiToken = { status: 'absent' } | ({ status: 'active' } & ApiTokenFacts) | ({ status: 'revoked' } & ApiTokenFacts);

export type ApiTokenCommand =
  ({ type: 'IssueApiToken' } & ApiTokenFacts) | { type: 'RevokeApiToken'; fleet: string; tokenId: string; reason?: string };

/** Whether a token lets its bearer in at `at`; the digest of what was presented is compared by the caller. */
export type ApiTokenAccess = 'granted' | 'unknown' | 'revoked' | 'expired';

export const initialState = (): ApiToken => ({ status: 'absent' });

export function decide(command: ApiTokenCommand, state: ApiToken): OperatorEvent[] {
  switch (command.type) {
    case 'IssueApiToken': {
      if (state.status !== 'absent') throw new RuleViolation('api-token.exists', `API token '${command.tokenId}' exists`);
      const { type: _type, ...data } = command;
      return [{ type: 'ApiTokenIssued', schemaVersion: 1, data }];
    }
    case 'RevokeApiToken': {
      // Another fleet's token is as absent as a made-up one: a fleet's admin learns nothing of other fleets.
      if (state.status === 'absent' || state.fleet !== command.fleet) throw new NotFound('api-token', command.tokenId);
      if (state.status === 'revoked') return [];
      const { fleet, tokenId, reason } = command;
      return [{ type: 'ApiTokenRevoked', schemaVersion: 1, data: { fleet, tokenId, ...(reason ? { reason } : {}) } }];
    }
    default:
      return assertNever(command);
  }
}

export function evolve(state: ApiToken, event: OperatorEvent): ApiToken {
  switch (event.type) {
    case 'ApiTokenIssued':
      return { status: 'active', ...event.data };
    case 'ApiTokenRevoked':
      return state.status === 'active' ? { ...state, status: 'revoked' } : state;
    default:
      return state;
  }
}

/** Whether the token is usable at `at` (expiry is exclusive: from that instant on it is refused). */
export function accessOf(state: ApiToken, at: string): ApiTokenAccess {
  if (state.status === 'absent') return 'unknown';
  if (state.status === 'revoked') return 'revoked';
  return Date.parse(at) >= Date.parse(state.expiresAt) ? 'expired' : 'granted';
}

export const apiToken: Decider<ApiTokenCommand, OperatorEvent, ApiToken> = { initialState, decide, evolve };
