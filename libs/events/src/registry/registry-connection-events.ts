import { z } from 'zod';
import { defineMessage } from '../kit/define-message.js';
import { MessageRegistry, readersOf } from '../kit/registry.js';
import { IsoTime, Sha256Hex, SubjectToken } from '../kit/tokens.js';

/**
 * A registry's base URL as an operator gives it: http(s), a host, an optional port and path; no
 * user or password in it (credentials are sealed apart), no query or fragment.
 */
export const RegistryUrl = z
  .string()
  .max(500)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (
        (url.protocol === 'https:' || url.protocol === 'http:') &&
        !url.username &&
        !url.password &&
        !url.search &&
        !url.hash &&
        url.hostname !== ''
      );
    } catch {
      return false;
    }
  }, 'must be an http(s) URL of a registry without credentials, query or fragment (e.g. https://registry.example:5000)');

/** An origin (`https://auth.example[:port]`) allowed to receive the stored credentials as a token realm. */
export const RealmOrigin = z
  .string()
  .max(300)
  .refine((value) => {
    try {
      return new URL(value).origin === value && value.startsWith('http');
    } catch {
      return false;
    }
  }, 'must be an origin: https://host[:port], without a path');

/** A CA certificate (PEM) trusted beside the system's roots for one registry: public, never a key. */
export const CaCertificatePem = z
  .string()
  .max(20_000)
  .regex(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/, 'must be one or more PEM certificates')
  .refine((pem) => !/PRIVATE KEY/.test(pem), 'must not contain a private key');

const connection = { fleet: SubjectToken, connectionId: SubjectToken, name: SubjectToken };

// Credentials are never in these events: only whether some are set, the user they are for (a name,
// not a secret) and `credentialsId`, which names the sealed row the facade keeps apart from events.
const credentials = { username: z.string().min(1).max(255).optional(), credentialsId: SubjectToken.optional() };

/** An operator connected an upstream registry; the facade reached it (and was let in) before recording this. */
export const RegistryConnected = defineMessage('RegistryConnected', 1, {
  ...connection,
  url: RegistryUrl,
  ...credentials,
  caPem: CaCertificatePem.optional(),
  caFingerprint: Sha256Hex.optional(),
  allowedRealmOrigins: z.array(RealmOrigin).max(10),
  at: IsoTime,
});
export type RegistryConnected = z.infer<typeof RegistryConnected>;

/** The connection's credentials were replaced (or cleared when `credentialsId` is absent); checked against the registry first. */
export const RegistryCredentialsRotated = defineMessage('RegistryCredentialsRotated', 1, { ...connection, ...credentials, at: IsoTime });
export type RegistryCredentialsRotated = z.infer<typeof RegistryCredentialsRotated>;

/** The connection is gone, and its sealed credentials with it; artifacts already copied from it stay. */
export const RegistryRemoved = defineMessage('RegistryRemoved', 1, { ...connection, at: IsoTime });
export type RegistryRemoved = z.infer<typeof RegistryRemoved>;

/** Any event of a registry connection (`ev.registry.<fleet>.<connectionId>`), latest versions only. */
export type RegistryConnectionEvent = RegistryConnected | RegistryCredentialsRotated | RegistryRemoved;

/** Reads every version of every registry connection event. */
export const registryConnectionEvents = new MessageRegistry<RegistryConnectionEvent>([
  readersOf(RegistryConnected),
  readersOf(RegistryCredentialsRotated),
  readersOf(RegistryRemoved),
]);

/** Parses a registry connection event at the boundary; throws `InvalidInput` (`message.*`). */
export function parseRegistryConnectionEvent(raw: unknown): RegistryConnectionEvent {
  return registryConnectionEvents.parse(raw);
}
