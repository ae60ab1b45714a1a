import { z } from 'zod';
import { parseOrThrow } from '../kit/parse-or-throw.js';
import { IsoTime, JsonObject, Sha256Hex, SubjectToken } from '../kit/tokens.js';

// The `<kind>:<id>` spelling of the Keelson-Actor header, so the audit log shows who acted exactly as recorded.
const ActorHeader = z.string().regex(/^(operator|device|service|system):[A-Za-z0-9._@:-]{1,128}$/, 'must be <kind>:<id>');

/**
 * One audit entry as the audit service republishes it for other systems: a CloudEvents 1.0 event in
 * JSON (structured mode). Keelson's facts are CloudEvents extension attributes (lowercase
 * alphanumeric names, CloudEvents 1.0 section 3.1.1). `keelsonhash` is the SHA-256 of this entry
 * chained to `keelsonprevhash`, the previous entry's hash, so a removed or edited entry breaks the
 * chain; the first entry's previous hash is 64 zeros.
 */
export const AuditCloudEvent = z.strictObject({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(256),
  source: z.string().min(1).max(512),
  // `io.keelson.<family>.<EventType>`, e.g. `io.keelson.rollout.RolloutHalted`.
  type: z.string().regex(/^io\.keelson\.[a-z][a-z-]{0,31}\.[A-Z][A-Za-z0-9]{0,63}$/, 'must be io.keelson.<family>.<EventType>'),
  time: IsoTime,
  // The aggregate subject the event was stored on, e.g. `ev.rollout.plant-7.r-2025-0001`.
  subject: z.string().min(1).max(512),
  datacontenttype: z.literal('application/json'),
  keelsonfleet: SubjectToken,
  keelsonactor: ActorHeader,
  // The stream the event came from and its sequence there: together they name it uniquely.
  keelsonstream: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a stream name'),
  keelsonseq: z.number().int().min(1),
  keelsonprevhash: Sha256Hex,
  keelsonhash: Sha256Hex,
  // The event's data as stored: events never carry secrets (enrollment tokens travel as digests).
  data: JsonObject,
});
export type AuditCloudEvent = z.infer<typeof AuditCloudEvent>;

/** Parses a republished audit entry; throws `InvalidInput` (`message.invalid`) listing every issue. */
export function parseAuditCloudEvent(raw: unknown): AuditCloudEvent {
  return parseOrThrow(AuditCloudEvent, raw, 'message.invalid');
}
