import { z } from 'zod';
import { CaCertificatePem, IsoTime, RealmOrigin, RegistryUrl, Sha256Hex, SubjectToken } from '@keelson/events';
import { defineRequest, Page } from './kit.js';

/** A connection's name in its fleet: what `--from-registry NAME/REPO:TAG` will start with. */
export const RegistryName = SubjectToken;

/** A registry username; the password never appears in any view. */
export const RegistryUsername = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\p{Cc}:]+$/u, 'must not contain ":" or control characters');

/** A registry password or access token, as the operator sends it once; sealed by the facade, never returned. */
export const RegistryPassword = z.string().min(1).max(4096);

/** A registry connection as operators see it: where it is, whether credentials are set (never their value). */
export const RegistryConnectionView = z.strictObject({
  fleet: SubjectToken,
  connectionId: SubjectToken,
  name: RegistryName,
  url: RegistryUrl,
  username: RegistryUsername.optional(),
  credentialsSet: z.boolean(),
  caFingerprint: Sha256Hex.optional(),
  allowedRealmOrigins: z.array(RealmOrigin),
  connectedAt: IsoTime,
  credentialsChangedAt: IsoTime.optional(),
});
export type RegistryConnectionView = z.infer<typeof RegistryConnectionView>;

const named = { fleet: SubjectToken, name: RegistryName };

/**
 * Connects an upstream registry after a `/v2/` ping with the credentials given; RuleViolation
 * `registry.name-taken`, `registry.unreachable`, `registry.credentials-refused`, … and nothing recorded.
 */
export const connectRegistry = defineRequest(
  'registry',
  'connect-registry',
  z
    .strictObject({
      ...named,
      url: RegistryUrl,
      username: RegistryUsername.optional(),
      password: RegistryPassword.optional(),
      caPem: CaCertificatePem.optional(),
      allowedRealmOrigins: z.array(RealmOrigin).max(10).default([]),
    })
    .refine((c) => (c.username === undefined) === (c.password === undefined), {
      message: 'username and password go together',
      path: ['password'],
    }),
  RegistryConnectionView,
);

/** One connection by name; NotFound (`registry.not-found`). */
export const getRegistry = defineRequest('registry', 'get-registry', z.strictObject(named), RegistryConnectionView);

/** The fleet's connections, newest first. */
export const listRegistries = defineRequest(
  'registry',
  'list-registries',
  z.strictObject({ fleet: SubjectToken, ...Page }),
  z.strictObject({ items: z.array(RegistryConnectionView), nextCursor: z.string().optional() }),
);

/** What a test of a connection found: the registry answered `/v2/` and let the stored credentials in. */
export const RegistryTestResult = z.strictObject({
  name: RegistryName,
  url: RegistryUrl,
  auth: z.enum(['anonymous', 'basic', 'bearer']),
  apiVersion: z.string().max(100).optional(),
  elapsedMs: z.number().int().min(0),
});
export type RegistryTestResult = z.infer<typeof RegistryTestResult>;

/** Pings the registry with the stored credentials; RuleViolation `registry.*` says what failed. */
export const testRegistry = defineRequest('registry', 'test-registry', z.strictObject(named), RegistryTestResult);

/** Replaces the credentials (checked against the registry first), or clears them (unchecked) when none are given. */
export const rotateRegistryCredentials = defineRequest(
  'registry',
  'rotate-registry-credentials',
  z
    .strictObject({ ...named, username: RegistryUsername.optional(), password: RegistryPassword.optional() })
    .refine((c) => (c.username === undefined) === (c.password === undefined), {
      message: 'username and password go together',
      path: ['password'],
    }),
  RegistryConnectionView,
);

/** Removes the connection and destroys its sealed credentials; NotFound when there is none. */
export const removeRegistry = defineRequest('registry', 'remove-registry', z.strictObject(named), RegistryConnectionView);
