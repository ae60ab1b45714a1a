import { z } from 'zod';

/**
 * A fleet id or any other id that becomes one token of a NATS subject (`ev.<aggregate>.<fleet>.<id>`):
 * lowercase, no dots, wildcards or spaces, so an id can never widen or split a subject.
 */
export const SubjectToken = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a subject token: [a-z0-9][a-z0-9-]{0,62}');

/** A time the domain decides (an expiry, a halt): ISO-8601 in UTC with `Z`, as `Date.toISOString()` writes it. */
export const IsoTime = z.iso.datetime();

/** A SHA-256 digest as 64 lowercase hex characters, the one spelling used everywhere we compare digests. */
export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');

/** A version string: semver and the other schemes vendors use, but nothing that could escape a path. */
export const SemverLike = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/, 'must be a version: 1-64 of [0-9A-Za-z.+_-]');

/**
 * W3C Trace Context `traceparent` (version-traceid-parentid-flags, lowercase hex): how a trace
 * follows a desired state to the device and its reports back. Only carried, never trusted for more.
 */
export const Traceparent = z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'must be a W3C traceparent');

/** The name of an artifact; it becomes a segment of its TUF target path. */
export const ArtifactName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'must be an artifact name: [a-z0-9][a-z0-9._-]{0,99}');

/** What an artifact is; operating-system bundles arrive through another path (spec: Rollouts). */
export const ArtifactKind = z.enum(['model', 'container', 'config']);
export type ArtifactKind = z.infer<typeof ArtifactKind>;

/**
 * A TUF target path, `<kind>/<name>/<version>/<file>`. Relative, with no `.` or `..` segment: devices
 * and the facade turn it into file paths and URLs, so it must not be able to climb out of its root.
 */
export const TargetPath = z
  .string()
  .max(512)
  .regex(/^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9._+-]+(?:\/[A-Za-z0-9._+-]+)*$/, 'must be a relative path without . or .. segments');

/** A length in bytes. */
export const ByteLength = z.number().int().min(0);

/** A short human-readable name (a device, a group, a name typed by an operator): printable, 1-100 characters. */
export const DisplayName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

/** Why something happened, in words, for operators: bounded because devices send reasons too. */
export const Reason = z.string().min(1).max(500);

/** Free-form key/value labels an operator attaches to devices (and enrollment tokens, to pass them on). */
export const Labels = z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/, 'must be a label key'), z.string().max(255));

/** Any JSON object; used for documents we carry whole, such as signed TUF metadata. */
export const JsonObject = z.record(z.string(), z.unknown());

/** A list of device ids in a meaningful order, each listed once. */
export const DeviceIds = z.array(SubjectToken).refine((ids) => new Set(ids).size === ids.length, 'device ids must be unique');

/**
 * Who caused an event. It travels in the `Keelson-Actor` header as `<kind>:<id>`, not in data, but
 * the header is parsed with this schema; the id alphabet matches that header's.
 */
export const Actor = z.strictObject({
  kind: z.enum(['operator', 'device', 'service', 'system']),
  id: z.string().regex(/^[A-Za-z0-9._@:-]{1,128}$/, 'must be an actor id'),
});
export type Actor = z.infer<typeof Actor>;
