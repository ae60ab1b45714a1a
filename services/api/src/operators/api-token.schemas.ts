import { z } from 'zod';
import { ApiTokenRole, DisplayName, IsoTime, Reason, SubjectToken } from '@keelson/events';

const day = 24 * 3600;

/** `POST /v1/tokens`: a name to recognise it by, a role (default `operator`) and a lifetime (default 90 days, at most a year). */
export const CreateApiTokenRequest = z.strictObject({
  name: DisplayName,
  role: ApiTokenRole.default('operator'),
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .max(365 * day)
    .default(90 * day),
});

/** The new token: `token` is shown here and never again (only its digest is kept). */
export const ApiTokenCreated = z.strictObject({
  tokenId: SubjectToken,
  token: z.string(),
  fleet: SubjectToken,
  name: DisplayName,
  role: ApiTokenRole,
  expiresAt: IsoTime,
});

/** A token as `GET /v1/tokens` lists it: never its secret nor the secret's digest. */
export const ApiTokenView = z.strictObject({
  tokenId: SubjectToken,
  fleet: SubjectToken,
  name: DisplayName,
  role: ApiTokenRole,
  status: z.enum(['active', 'expired', 'revoked']),
  expiresAt: IsoTime,
  createdAt: IsoTime,
  /** The actor that issued it, as the audit log writes actors (`operator:admin`, `operator:at-…`). */
  createdBy: z.string(),
  revokedAt: IsoTime.optional(),
  revokedBy: z.string().optional(),
  revokeReason: Reason.optional(),
});
export type ApiTokenView = z.infer<typeof ApiTokenView>;

export const ApiTokenList = z.strictObject({ items: z.array(ApiTokenView), nextCursor: z.string().optional() });
export type ApiTokenList = z.infer<typeof ApiTokenList>;

export const ApiTokenParams = z.object({ tokenId: SubjectToken });

/** `DELETE /v1/tokens/{tokenId}`: why, for the audit log (optional body). */
export const RevokeApiTokenRequest = z.strictObject({ reason: Reason.optional() });
export const ApiTokenRevokedView = z.strictObject({
  tokenId: SubjectToken,
  fleet: SubjectToken,
  status: z.literal('revoked'),
  changed: z.boolean(),
});
