import { z } from 'zod';
import { defineRequest } from '@keelson/requests';
import { SubjectToken } from '@keelson/events';

/**
 * Revokes an unused enrollment token; revoking twice is fine. NotFound (`enrollment-token.not-found`),
 * RuleViolation (`enrollment-token.used`) once it has enrolled a device.
 */
export const revokeEnrollmentToken = defineRequest(
  'gateway',
  'revoke-enrollment-token',
  z.strictObject({ fleet: SubjectToken, tokenId: SubjectToken }),
  z.strictObject({ revoked: z.literal(true) }),
);
