import { AggregateCache, loadAggregate, handleCommand, type EventMetadata, type EventStore } from '@keelson/event-store';
import type { ApiTokenRole, OperatorEvent } from '@keelson/events';
import { ServiceError } from '@keelson/service-kit';
import { accessOf, apiToken, type ApiToken, type ApiTokenCommand, type ApiTokenFacts } from './api-token.decider.js';
import { mintApiToken, sameDigest, type PresentedApiToken } from './api-token-string.js';

/** A token as the caller sees it once, at issue: the only time the secret leaves the api. */
export interface IssuedApiToken {
  tokenId: string;
  token: string;
  fleet: string;
  name: string;
  role: ApiTokenRole;
  expiresAt: string;
}

const refused = () =>
  new ServiceError('Unauthorized', 'auth.unauthenticated', 'a valid bearer token is required (Authorization: Bearer <token>)');

/**
 * Issue, revoke and check operator API tokens: load -> decide -> append on `ev.apitoken.<fleet>.<tokenId>`.
 * Checks read the token's own subject (cached, only newer events are read), not a projection, so a
 * revocation holds from the moment it is appended on every replica that checks the token.
 */
export class ApiTokens {
  private readonly cache = new AggregateCache<ApiToken>(10_000);

  constructor(private readonly store: EventStore<OperatorEvent>) {}

  /** Mints a token; the caller gets the secret once, the stream only its digest. */
  async issue(
    input: { fleet: string; name: string; role: ApiTokenRole; ttlSeconds: number },
    meta: EventMetadata,
    now: Date,
  ): Promise<IssuedApiToken> {
    const minted = mintApiToken(input.fleet);
    const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000).toISOString();
    const facts: ApiTokenFacts = {
      fleet: input.fleet,
      tokenId: minted.tokenId,
      name: input.name,
      role: input.role,
      expiresAt,
      secretSha256: minted.secretSha256,
    };
    await this.run({ type: 'IssueApiToken', ...facts }, meta);
    return { tokenId: minted.tokenId, token: minted.token, fleet: input.fleet, name: input.name, role: input.role, expiresAt };
  }

  /** Revokes a token of `fleet`; revoking twice is fine, another fleet's token is NotFound. */
  async revoke(fleet: string, tokenId: string, reason: string | undefined, meta: EventMetadata): Promise<{ changed: boolean }> {
    const outcome = await this.run({ type: 'RevokeApiToken', fleet, tokenId, ...(reason ? { reason } : {}) }, meta);
    return { changed: outcome.events.length > 0 };
  }

  /** The token behind `presented` if it may act at `now`; anything else is the same 401, whatever the cause. */
  async authenticate(presented: PresentedApiToken, now: Date): Promise<ApiTokenFacts> {
    const subject = this.subjectOf(presented);
    // The leader's newest event: a token revoked through another replica is refused at once.
    const { state } = await loadAggregate(this.store, subject, apiToken, this.cache, { latest: true });
    if (state.status === 'absent' || !sameDigest(state.secretSha256, presented.secretSha256)) throw refused();
    if (accessOf(state, now.toISOString()) !== 'granted') throw refused();
    const { status: _status, ...facts } = state;
    return facts;
  }

  private subjectOf(t: { fleet: string; tokenId: string }): string {
    return this.store.subject('apitoken', t.fleet, t.tokenId);
  }

  private run(command: ApiTokenCommand, meta: EventMetadata) {
    return handleCommand({ store: this.store, subject: this.subjectOf(command), decider: apiToken, command, meta, cache: this.cache });
  }
}
