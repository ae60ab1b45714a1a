import { InvalidInput, isDomainError } from '@keelson/domain-kit';
import { parseEvent, type KeelsonEvent } from '@keelson/events';

/**
 * An event as the audit reads it. A type or version this audit does not know (a newer writer during
 * a rolling upgrade) is still recorded, as it was written and marked unrecognised: the chain is
 * append-only and ordered, so an event skipped now could never take its place later, and a gap in
 * the audit log is worse than an entry whose schema the reader does not know.
 */
export type AuditedEvent =
  | { recognised: true; type: string; schemaVersion: number; data: Record<string, unknown>; event: KeelsonEvent }
  | { recognised: false; type: string; schemaVersion: number; data: Record<string, unknown> };

// What any entry needs to be rendered as a CloudEvent (`io.keelson.<family>.<Type>`, data an object).
const typePattern = /^[A-Z][A-Za-z0-9]{0,63}$/;
const unknownCodes = new Set(['message.unknown-type', 'message.unknown-version']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a stored event for the audit. Throws `InvalidInput` (so the projection dead-letters it) for
 * what no Keelson writer can have produced: no usable envelope, or a known type and version whose
 * data breaks its schema. The owning services refuse such events too, so they changed nothing.
 */
export function parseAuditedEvent(raw: unknown): AuditedEvent {
  if (
    !isObject(raw) ||
    typeof raw.type !== 'string' ||
    !typePattern.test(raw.type) ||
    !Number.isInteger(raw.schemaVersion) ||
    (raw.schemaVersion as number) < 1 ||
    !isObject(raw.data)
  ) {
    throw new InvalidInput('audit.unreadable-event', [{ path: [], message: 'not an event envelope {type, schemaVersion, data}' }]);
  }
  const { type, data } = raw;
  const schemaVersion = raw.schemaVersion as number;
  try {
    return { recognised: true, type, schemaVersion, data, event: parseEvent(raw) };
  } catch (err) {
    if (isDomainError(err) && unknownCodes.has(err.code)) return { recognised: false, type, schemaVersion, data: withoutSecrets(data) };
    throw err;
  }
}

// Known events are strict schemas that hold no secret (enrollment tokens travel as digests). An
// unknown event has no schema to vouch for it, so fields named like secrets are blanked, to the
// same depth the audit keeps anything.
const secretKey = /secret|password|passphrase|private_?key|api_?key|credential|token$|seed$/i;

export function withoutSecrets(value: Record<string, unknown>): Record<string, unknown> {
  const clean = (v: unknown): unknown => (Array.isArray(v) ? v.map(clean) : isObject(v) ? withoutSecrets(v) : v);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, secretKey.test(k) ? '[redacted]' : clean(v)]));
}
