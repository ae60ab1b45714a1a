import { z } from 'zod';
import { AuditCloudEvent, IsoTime, SubjectToken } from '@keelson/events';
import { defineCommand, Page } from './kit.js';

/** Audit entries of one fleet, oldest first, filtered by rollout, device, artifact name and time. */
export const queryAudit = defineCommand(
  'audit',
  'query',
  z.strictObject({
    fleet: SubjectToken,
    rolloutId: SubjectToken.optional(),
    deviceId: SubjectToken.optional(),
    artifact: z.string().max(100).optional(),
    since: IsoTime.optional(),
    until: IsoTime.optional(),
    ...Page,
  }),
  z.strictObject({ items: z.array(AuditCloudEvent), nextCursor: z.string().optional() }),
);
