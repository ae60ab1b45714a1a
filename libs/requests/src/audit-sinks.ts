import { z } from 'zod';
import { SubjectToken } from '@keelson/events';
import { defineRequest } from './kit.js';

/** A webhook address: http or https only, no credentials in it (they would be stored in clear). */
export const SinkUrl = z
  .url({ protocol: /^https?$/, error: 'an http(s) URL such as https://siem.example.com/keelson' })
  .refine(
    (u) => !URL.canParse(u) || (!new URL(u).username && !new URL(u).password),
    'the URL must not carry a user or password: the signing secret authenticates deliveries',
  );

/** Where a new sink starts: the next entry written (`now`), the first entry (`start`), or a chain position. */
export const SinkStart = z.union([z.literal('now'), z.literal('start'), z.strictObject({ position: z.number().int().min(1) })]);
export type AddSinkStart = z.infer<typeof SinkStart>;

/** A sink as an answer shows it: never its signing secret. */
export const AuditSink = z.strictObject({
  sinkId: z.string(),
  fleet: SubjectToken,
  name: SubjectToken,
  url: z.string(),
  position: z.number().int().min(0),
  failures: z.number().int().min(0),
  deadLetters: z.number().int().min(0),
  paused: z.boolean(),
  lastError: z.string().optional(),
  createdAt: z.string(),
});
export type AuditSink = z.infer<typeof AuditSink>;

/** Adds a webhook sink to a fleet; the signing secret is sealed at once and never answered. */
export const addSink = defineRequest(
  'audit',
  'sink-add',
  z.strictObject({
    fleet: SubjectToken,
    name: SubjectToken.optional(),
    url: SinkUrl,
    secret: z.string().min(16, 'the signing secret must be at least 16 characters').max(256),
    from: SinkStart.default('now'),
  }),
  AuditSink,
);

export const listSinks = defineRequest(
  'audit',
  'sink-list',
  z.strictObject({ fleet: SubjectToken }),
  z.strictObject({ items: z.array(AuditSink) }),
);

export const showSink = defineRequest('audit', 'sink-show', z.strictObject({ fleet: SubjectToken, name: SubjectToken }), AuditSink);

export const removeSink = defineRequest(
  'audit',
  'sink-remove',
  z.strictObject({ fleet: SubjectToken, name: SubjectToken }),
  z.strictObject({ removed: AuditSink }),
);

/** A paused sink (a delivery dead-lettered) retries that same entry, its failures reset. */
export const resumeSink = defineRequest('audit', 'sink-resume', z.strictObject({ fleet: SubjectToken, name: SubjectToken }), AuditSink);

/**
 * A sink change as the audit service keeps it, in the same transaction as the change, until the api
 * (which owns EV_OPERATORS) confirms its operator event is appended: who made it, with which command.
 */
export const SinkChange = z.strictObject({
  commandId: z.string(),
  correlationId: z.string(),
  actor: z.strictObject({ kind: z.enum(['operator', 'device', 'service', 'system']), id: z.string() }),
  kind: z.enum(['added', 'resumed', 'removed']),
  sink: AuditSink,
});
export type SinkChange = z.infer<typeof SinkChange>;

/** Sink changes made at least `olderThanSeconds` ago whose operator event is not confirmed yet, oldest first. */
export const unrecordedSinkChanges = defineRequest(
  'audit',
  'sink-changes-unrecorded',
  z.strictObject({ olderThanSeconds: z.number().min(0).max(86_400), limit: z.number().int().min(1).max(500).default(100) }),
  z.strictObject({ items: z.array(SinkChange) }),
);

/** The api appended the change's operator event (or found it appended): the audit service forgets the change. */
export const sinkChangeRecorded = defineRequest(
  'audit',
  'sink-change-recorded',
  z.strictObject({ commandId: z.string() }),
  z.strictObject({ forgotten: z.boolean() }),
);
