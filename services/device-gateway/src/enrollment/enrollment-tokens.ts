import { ConcurrencyError } from '@keelson/domain-kit';
import {
  AggregateCache,
  eventStreams,
  handleCommand,
  loadAggregate,
  type AppendResult,
  type EventMetadata,
  type EventStore,
} from '@keelson/event-store';
import type { EnrollmentEvent } from '@keelson/events';
import { enrollmentToken, type EnrollmentToken, type EnrollmentTokenCommand } from './enrollment-token.decider.js';
import { EnrollmentRefusedError, refusalMessages } from './enrollment-refused.error.js';
import { mintEnrollmentToken, type PresentedToken } from './enrollment-token-string.js';
import type { RefusalLog } from './refusal-log.js';

export const enrollmentStream = eventStreams.gateway;

const presentationOf = (p: PresentedToken, at: Date, csrAccepted: boolean) => ({
  fleet: p.fleet,
  tokenId: p.tokenId,
  tokenSha256: p.tokenSha256,
  at: at.toISOString(),
  csrAccepted,
});

function throwIfRefused(events: EnrollmentEvent[]): void {
  const event = events[0];
  if (event?.type === 'EnrollmentRefused') throw new EnrollmentRefusedError(event.data.reason, refusalMessages[event.data.reason]);
}

/** A token that `check` found redeemable, and the subject sequence it was read at. */
export interface CheckedToken {
  token: EnrollmentToken;
  seq: number;
}

/** Total tries of one redemption whose append lost to another event on the token, the first included. */
const redeemAttempts = 4;

/**
 * Tokens kept in memory, least recently used going first (about 600 bytes each, 6 MiB in all): a burst
 * of up to this many tokens minted here enrolls without a read each; beyond it the earliest are read.
 */
const cachedTokens = 10_000;

/** Issue, revoke and redeem enrollment tokens: load -> decide -> append on `ev.enrollment.<fleet>.<tokenId>`. */
export class EnrollmentTokens {
  /**
   * Each token this gateway issued, redeemed or read, with the sequence it was at. A check on it needs
   * no read; the redemption's append then expects that sequence, so a token changed meanwhile (revoked,
   * used through another replica) fails the append, is read again and refused: single use rests on
   * the append, never on the cache.
   */
  private readonly cache = new AggregateCache<EnrollmentToken>(cachedTokens);

  constructor(
    private readonly store: EventStore<EnrollmentEvent>,
    /** Absent in specs of the token alone; then every refusal of a known token is recorded on it. */
    private readonly refusals?: RefusalLog,
  ) {}

  /** Mints a token; the caller gets the secret once, the stream only its digest. */
  async issue(
    input: { fleet: string; ttlSeconds: number; labels: Record<string, string>; groupId?: string | undefined },
    meta: EventMetadata,
    now: Date,
  ): Promise<{ tokenId: string; token: string; expiresAt: string }> {
    const minted = mintEnrollmentToken(input.fleet);
    const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000).toISOString();
    const command: EnrollmentTokenCommand = {
      type: 'IssueEnrollmentToken',
      fleet: input.fleet,
      tokenId: minted.tokenId,
      tokenSha256: minted.tokenSha256,
      expiresAt,
      labels: input.labels,
      ...(input.groupId ? { groupId: input.groupId } : {}),
    };
    await this.runFresh(command, meta);
    return { tokenId: minted.tokenId, token: minted.token, expiresAt };
  }

  /** Mints a token that enrolls the existing `deviceId` again; the caller checked the device is active. */
  async issueReenrollment(
    input: { fleet: string; deviceId: string; ttlSeconds: number },
    meta: EventMetadata,
    now: Date,
  ): Promise<{ tokenId: string; token: string; expiresAt: string; deviceId: string }> {
    const minted = mintEnrollmentToken(input.fleet);
    const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000).toISOString();
    await this.runFresh(
      {
        type: 'IssueReenrollmentToken',
        fleet: input.fleet,
        tokenId: minted.tokenId,
        tokenSha256: minted.tokenSha256,
        expiresAt,
        deviceId: input.deviceId,
      },
      meta,
    );
    return { tokenId: minted.tokenId, token: minted.token, expiresAt, deviceId: input.deviceId };
  }

  /** Revokes an unused token; revoking twice is fine, revoking a used one is a RuleViolation. */
  async revoke(fleet: string, tokenId: string, meta: EventMetadata): Promise<void> {
    await this.run({ type: 'RevokeEnrollmentToken', fleet, tokenId }, meta);
  }

  /**
   * Refuses (recording `EnrollmentRefused`) unless the token could be redeemed right now, so that
   * enrollment does its slow work (root, certificate) only for a token worth it. Appends nothing for a
   * good token, and returns it (a re-enrollment token names the device it enrolls). A token the cache
   * holds as redeemable is taken from there; anything else is read, so a refusal is never decided on
   * a state that may be stale.
   */
  async check(presented: PresentedToken, at: Date, csrAccepted: boolean, meta: EventMetadata): Promise<CheckedToken> {
    const command: EnrollmentTokenCommand = { type: 'CheckEnrollmentToken', ...presentationOf(presented, at, csrAccepted) };
    const cached = this.cache.get(this.subjectOf(presented));
    if (cached && enrollmentToken.decide(command, cached.state).length === 0) return { token: cached.state, seq: cached.seq };
    const read = await this.read(presented);
    const state = read.token;
    // No token has this digest: nothing to record it on (the caller logs it on the fleet's refusal log).
    if (state.status === 'absent' || state.tokenSha256 !== presented.tokenSha256)
      throw new EnrollmentRefusedError('unknown', refusalMessages.unknown);
    const refusal = enrollmentToken.decide(command, state)[0];
    if (refusal?.type !== 'EnrollmentRefused') return read;
    // A token replayed in a flood: counted into the refusal log's summary, not one event per attempt.
    if (this.refusals && !this.refusals.take(at)) {
      this.refusals.count(presented.fleet, refusal.data.reason, at);
      throwIfRefused([refusal]);
    }
    const outcome = await this.run(command, meta);
    throwIfRefused(outcome.events);
    return this.read(presented);
  }

  /**
   * Uses the token up for `deviceId`. Anything else is recorded as `EnrollmentRefused` and thrown as
   * EnrollmentRefusedError. The append expects the token's subject unchanged since it was read (from
   * `checked`, so a redemption costs no second read): of devices racing for one token exactly one
   * appends the redemption, and every other one reads again and is refused as `used`.
   */
  async redeem(
    presented: PresentedToken,
    deviceId: string,
    at: Date,
    meta: EventMetadata,
    checked?: CheckedToken,
  ): Promise<EnrollmentToken> {
    const command: EnrollmentTokenCommand = { type: 'RedeemEnrollmentToken', deviceId, ...presentationOf(presented, at, true) };
    let read = checked ?? (await this.read(presented));
    for (let attempt = 1; ; attempt++) {
      const events = enrollmentToken.decide(command, read.token);
      let appended: AppendResult | null;
      try {
        appended = await this.store.append(this.subjectOf(presented), read.seq, events, meta);
      } catch (err) {
        if (!(err instanceof ConcurrencyError)) throw err;
        // A refusal stays a refusal whatever was appended since (a used, revoked or expired token never
        // comes back): a burst of losers is counted into the refusal log instead of retrying appends.
        if (events[0]?.type === 'EnrollmentRefused' && this.refusals) {
          this.refusals.count(presented.fleet, events[0].data.reason, at);
          throwIfRefused(events);
        }
        if (attempt >= redeemAttempts) throw err;
        read = await this.read(presented);
        continue;
      }
      const after = events.reduce(enrollmentToken.evolve, read.token);
      if (appended && !appended.duplicate) this.cache.set(this.subjectOf(presented), { state: after, seq: appended.lastSeq });
      throwIfRefused(events);
      return after;
    }
  }

  // Unknown token ids are not kept: a flood of made-up ones must not push real tokens out of the cache.
  private async read(p: PresentedToken): Promise<CheckedToken> {
    const subject = this.subjectOf(p);
    const { state: token, seq } = await loadAggregate(this.store, subject, enrollmentToken, undefined, { latest: true });
    if (token.status !== 'absent') this.cache.set(subject, { state: token, seq });
    return { token, seq };
  }

  private subjectOf(p: { fleet: string; tokenId: string }): string {
    return this.store.subject('enrollment', p.fleet, p.tokenId);
  }

  private run(command: EnrollmentTokenCommand, meta: EventMetadata) {
    return handleCommand({
      store: this.store,
      subject: this.subjectOf(command),
      decider: enrollmentToken,
      command,
      meta,
      cache: this.cache,
    });
  }

  // A freshly minted id has no events: the issue appends at sequence 0 without reading first (a taken
  // id fails that append, is read and refused as existing).
  private runFresh(command: EnrollmentTokenCommand, meta: EventMetadata) {
    this.cache.set(this.subjectOf(command), { state: enrollmentToken.initialState(), seq: 0 });
    return this.run(command, meta);
  }
}
