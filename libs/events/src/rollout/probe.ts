import { z } from 'zod';

/**
 * An absolute POSIX path without `.` or `..` segments: agents check exec probes against an
 * allowlist of paths, and a `..` would let a path that looks allowed point somewhere else.
 */
export const AbsolutePath = z
  .string()
  .max(512)
  .regex(/^(?!.*\/\.{1,2}(?:\/|$))(?:\/[^/\0]+)+$/, 'must be an absolute path without . or .. segments');

// Spec (Rollouts, health probe): a timeout of 1-300 s, 1-10 attempts and an optional initial delay.
const timing = {
  timeoutSeconds: z.number().int().min(1).max(300),
  attempts: z.number().int().min(1).max(10),
  initialDelaySeconds: z.number().int().min(0).max(3600).default(0),
};

/** Runs a binary on the device; there is no shell, so arguments are passed as they are. */
export const ExecProbe = z.strictObject({
  kind: z.literal('exec'),
  path: AbsolutePath,
  args: z.array(z.string().max(256)).max(16).optional(),
  ...timing,
});

/** Requests a local endpoint and expects a successful response. */
export const HttpProbe = z.strictObject({
  kind: z.literal('http'),
  url: z.url({ protocol: /^https?$/ }).max(2048),
  ...timing,
});

/** Checks for a file the workload writes once it is healthy. */
export const FileProbe = z.strictObject({
  kind: z.literal('file'),
  path: AbsolutePath,
  ...timing,
});

/** The health check every device of a rollout runs after applying the update; failing it rolls the device back. */
export const Probe = z.discriminatedUnion('kind', [ExecProbe, HttpProbe, FileProbe]);
export type Probe = z.infer<typeof Probe>;
