/*
 * Hand-written checks for the few message types read and written on every device update, so that
 * the valid message, by far the common one, skips zod (7-9 % of the gateway's and the orchestrator's
 * JS time, bench/README.md). A fast path returns the parsed message only when it is sure the message
 * is valid, with the value zod would return; for anything else it returns undefined and zod parses,
 * so zod keeps the last word and every refusal's issues. `fast-path.property.spec.ts` checks both
 * over generated inputs.
 */

/** Reads one message version, or undefined to leave it to the schema. */
export type FastPath<M> = (raw: unknown) => M | undefined;

export type Fields = Record<string, unknown>;

/** `raw` as a plain object whose keys are all among `allowed` (a strict object's rule) and defined, or undefined. */
export function strictFields(raw: unknown, allowed: ReadonlySet<string>): Fields | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  if (Object.getPrototypeOf(raw) !== Object.prototype) return undefined;
  for (const key in raw) {
    if (!Object.hasOwn(raw, key) || !allowed.has(key) || (raw as Fields)[key] === undefined) return undefined;
  }
  return raw as Fields;
}

/** The `data` of `{ type, schemaVersion, data }` when the envelope is exactly that, or undefined. */
export function dataOf(raw: unknown, type: string, schemaVersion: number, allowed: ReadonlySet<string>): Fields | undefined {
  const message = strictFields(raw, envelopeKeys);
  if (!message || message['type'] !== type || message['schemaVersion'] !== schemaVersion) return undefined;
  return strictFields(message['data'], allowed);
}
const envelopeKeys: ReadonlySet<string> = new Set(['type', 'schemaVersion', 'data']);

const subjectToken = /^[a-z0-9][a-z0-9-]{0,62}$/;
const isoShape = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** `SubjectToken`'s rule. */
export const isToken = (v: unknown): v is string => typeof v === 'string' && subjectToken.test(v);

const traceparentShape = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** `Traceparent`'s rule. */
export const isTraceparent = (v: unknown): v is string => typeof v === 'string' && traceparentShape.test(v);

/** A subset of `IsoTime`: exactly what `Date.toISOString()` writes for years 0000-9999 (a real date and time). */
export const isIsoTime = (v: unknown): v is string => typeof v === 'string' && isoShape.test(v) && isRealTime(v);
function isRealTime(v: string): boolean {
  const t = Date.parse(v);
  return Number.isFinite(t) && new Date(t).toISOString() === v;
}

/** `Reason`'s rule: 1-500 UTF-16 units, as zod counts. */
export const isReason = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 500;

/** Copies the keys of `fields` that are present, in `order` (zod's output order: the schema's keys). */
export function inOrder(fields: Fields, order: readonly string[]): Fields {
  const out: Fields = {};
  for (const key of order) if (fields[key] !== undefined) out[key] = fields[key];
  return out;
}
