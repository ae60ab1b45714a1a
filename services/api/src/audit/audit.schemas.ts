import { z } from 'zod';
import { audit } from '@keelson/requests';
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
  type: z
    .string()
    .max(1400)
    .transform((v) =>
      v
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    )
    .pipe(audit.AuditEventTypes)
    .optional(),
  order: z.enum(['oldest', 'newest']).optional(),
  ...pageParams,
});
export const AuditPage = audit.queryAudit.output;

/**
 * `GET /v1/audit/export`: every entry of the fleet from `since` (inclusive) to `until` (exclusive), streamed oldest first.
 * NDJSON is always exact; `raw` matters to CSV only.
 */
export const AuditExportQuery = z
  .object({
    ...fleetParam,
    since: IsoTime,
    until: IsoTime,
    format: z.enum(['ndjson', 'csv']).default('ndjson'),
    /** CSV fields byte for byte, a field that starts like a formula too (the evidence form); by default such a field gets a leading `'`. */
    raw: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    rollout: SubjectToken.optional(),
    device: SubjectToken.optional(),
    artifact: z.string().max(100).optional(),
  })
  .refine((q) => Date.parse(q.since) < Date.parse(q.until), { path: ['until'], message: 'until must be later than since' });

/** The body of an export: NDJSON (one audit CloudEvent per line) or CSV with a header row. */
export const AuditExportBody = z
  .string()
  .describe('application/x-ndjson: one audit CloudEvent per line; text/csv: a header row, then one row per entry');

/** `GET /v1/audit/verify`: the whole chain walked, and either its length and head or the first link that does not hold. */
export const AuditVerdict = audit.verifyAudit.output;
