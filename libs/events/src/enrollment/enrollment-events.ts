import { z } from 'zod';
import { defineMessage } from '../kit/define-message.js';
import { MessageRegistry, readersOf } from '../kit/registry.js';
import { IsoTime, Labels, Sha256Hex, SubjectToken } from '../kit/tokens.js';

const token = { fleet: SubjectToken, tokenId: SubjectToken };

/** A one-time, expiring, fleet-scoped enrollment token was issued; its labels and group pass to the device. */
export const EnrollmentTokenIssued = defineMessage('EnrollmentTokenIssued', 1, {
  ...token,
  // Only the digest, never the token: events are kept forever, read by every service and
  // republished to the audit log, and a token found there must not let anyone enroll a device.
  tokenSha256: Sha256Hex,
  expiresAt: IsoTime,
  labels: Labels,
  groupId: SubjectToken.optional(),
});
export type EnrollmentTokenIssued = z.infer<typeof EnrollmentTokenIssued>;

/** The token enrolled a device; it cannot be used again. */
export const EnrollmentTokenRedeemed = defineMessage('EnrollmentTokenRedeemed', 1, { ...token, deviceId: SubjectToken });
export type EnrollmentTokenRedeemed = z.infer<typeof EnrollmentTokenRedeemed>;

/** An operator revoked the token before it was used. */
export const EnrollmentTokenRevoked = defineMessage('EnrollmentTokenRevoked', 1, token);
export type EnrollmentTokenRevoked = z.infer<typeof EnrollmentTokenRevoked>;

/** Why an enrollment attempt was refused; `unknown` means no token of this fleet has that digest. */
export const EnrollmentRefusal = z.enum(['unknown', 'expired', 'used', 'revoked', 'foreign-fleet', 'bad-csr']);
export type EnrollmentRefusal = z.infer<typeof EnrollmentRefusal>;

/** An enrollment attempt was refused; `tokenId` is absent when the token matched nothing. */
export const EnrollmentRefused = defineMessage('EnrollmentRefused', 1, {
  fleet: SubjectToken,
  tokenId: SubjectToken.optional(),
  reason: EnrollmentRefusal,
});
export type EnrollmentRefused = z.infer<typeof EnrollmentRefused>;

/**
 * A one-time token to enroll a wiped or replaced device again under its existing id (`deviceId`);
 * whoever redeems it gets a new key, certificate and credentials for that device, and the old ones stop.
 */
export const ReenrollmentTokenIssued = defineMessage('ReenrollmentTokenIssued', 1, {
  ...token,
  deviceId: SubjectToken,
  tokenSha256: Sha256Hex,
  expiresAt: IsoTime,
});
export type ReenrollmentTokenIssued = z.infer<typeof ReenrollmentTokenIssued>;

/** Why attempts were refused, including tokens that are not Keelson tokens at all. */
export const EnrollmentAttemptRefusal = z.enum([...EnrollmentRefusal.options, 'malformed']);
export type EnrollmentAttemptRefusal = z.infer<typeof EnrollmentAttemptRefusal>;

/**
 * Enrollment attempts the gateway refused between `firstAt` and `lastAt`, kept on a fleet's refusal
 * log (`ev.enrollment.<fleet>.refusals`): one event per attempt while attempts are few, one summary
 * per reason and minute during a flood. `claimedFleet` is the fleet an attempt named when that fleet
 * does not exist (the attempt is then logged in the installation's audit fleet).
 */
export const EnrollmentAttemptsRefused = defineMessage('EnrollmentAttemptsRefused', 1, {
  fleet: SubjectToken,
  claimedFleet: SubjectToken.optional(),
  reason: EnrollmentAttemptRefusal,
  attempts: z.number().int().min(1),
  firstAt: IsoTime,
  lastAt: IsoTime,
});
export type EnrollmentAttemptsRefused = z.infer<typeof EnrollmentAttemptsRefused>;

/** Any event of the enrollment-token aggregate (`ev.enrollment.<fleet>.<tokenId>`) or a fleet's refusal log, latest versions only. */
export type EnrollmentEvent =
  | EnrollmentTokenIssued
  | EnrollmentTokenRedeemed
  | EnrollmentTokenRevoked
  | EnrollmentRefused
  | EnrollmentAttemptsRefused
  | ReenrollmentTokenIssued;

/** Reads every version of every enrollment event. */
export const enrollmentEvents = new MessageRegistry<EnrollmentEvent>([
  readersOf(EnrollmentTokenIssued),
  readersOf(EnrollmentTokenRedeemed),
  readersOf(EnrollmentTokenRevoked),
  readersOf(EnrollmentRefused),
  readersOf(EnrollmentAttemptsRefused),
  readersOf(ReenrollmentTokenIssued),
]);

/** Parses an enrollment event at the boundary; throws `InvalidInput` (`message.*`). */
export function parseEnrollmentEvent(raw: unknown): EnrollmentEvent {
  return enrollmentEvents.parse(raw);
}
