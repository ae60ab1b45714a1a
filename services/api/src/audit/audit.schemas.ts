import { z } from 'zod';
import { audit } from '@keelson/commands';
import { IsoTime, SubjectToken } from '@keelson/events';
import { fleetParam, pageParams } from '../http/request.schemas.js';

/** `GET /v1/audit`: entries of the fleet, oldest first (`order=newest`: newest first), narrowed by any of these. */
export const AuditQuery = z.object({
  ...fleetParam,
  rollout: SubjectToken.optional(),
  device: SubjectToken.optional(),
  artifact: z.string().max(100).optional(),
  since: IsoTime.optional(),
  until: IsoTime.optional(),
  /** Comma-separated event types: `type=WaveApproved,RolloutAborted`. */
  type: z.string().max(1400).transform((v) => v.split(',').map((t) => t.trim()).filter(Boolean)).pipe(audit.AuditEventTypes).optional(),
  order: z.enum(['oldest', 'newest']).optional(),
  ...pageParams,
});
export const AuditPage = audit.queryAudit.output;
