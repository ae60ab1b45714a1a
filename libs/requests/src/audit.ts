import { z } from 'zod';
import { AuditCloudEvent, IsoTime, Sha256Hex, SubjectToken } from '@keelson/events';
import { defineRequest, Page } from './kit.js';

/** Event types to narrow an audit query to (`WaveApproved`, …): entries of any of them. */
export const AuditEventTypes = z
  .array(z.string().regex(/^[A-Z][A-Za-z0-9]{0,63}$/, 'an event type such as WaveApproved'))
  .min(1)
  .max(20);

/** Audit entries of one fleet, oldest first (or newest first), filtered by rollout, device, artifact name, event type and time. */
export const queryAudit = defineRequest(
  'audit',
  'query',
  z.strictObject({
    fleet: SubjectToken,
    rolloutId: SubjectToken.optional(),
    deviceId: SubjectToken.optional(),
    artifact: z.string().max(100).optional(),
    since: IsoTime.optional(),
    until: IsoTime.optional(),
    types: AuditEventTypes.optional(),
    order: z.enum(['oldest', 'newest']).default('oldest'),
    ...Page,
  }),
  z.strictObject({ items: z.array(AuditCloudEvent), nextCursor: z.string().optional() }),
);

/** Where the audit chain first fails: a missing position, a wrong link, an edited entry, or a head that disagrees with the last entry. */
export const ChainProblem = z.enum(['position', 'prev-hash', 'hash', 'head']);

/**
 * Walks the whole hash chain (it spans every fleet of the installation) and reports the first
 * entry that does not hold. `headHash` is the hash of the last intact entry: keep it elsewhere to
 * notice a later rewrite of the whole chain.
 */
export const verifyAudit = defineRequest(
  'audit',
  'verify',
  z.strictObject({}),
  z.strictObject({
    intact: z.boolean(),
    entries: z.number().int().min(0),
    headHash: Sha256Hex,
    firstBroken: z
      .strictObject({
        position: z.number().int().min(1),
        stream: z.string().optional(),
        seq: z.number().int().min(1).optional(),
        /** The entry's id as its CloudEvent carries it (`<stream>:<seq>`). */
        entryId: z.string().optional(),
        problem: ChainProblem,
        /** What the chain calls for there and what the table holds: a position, a previous hash or a hash. */
        expected: z.string().optional(),
        found: z.string().optional(),
      })
      .optional(),
  }),
);
export * from './audit-sinks.js';
