import { z } from 'zod';
import { defineMessage } from '../kit/define-message.js';
import { MessageRegistry, readersOf } from '../kit/registry.js';
import { DisplayName, IsoTime, Reason, Sha256Hex, SubjectToken } from '../kit/tokens.js';

/**
 * What an API token may do in its one fleet: `viewer` reads, `operator` also acts (rollouts, devices,
 * artifacts), `admin` also issues and revokes the fleet's API tokens.
 */
export const ApiTokenRole = z.enum(['viewer', 'operator', 'admin']);
export type ApiTokenRole = z.infer<typeof ApiTokenRole>;

const token = { fleet: SubjectToken, tokenId: SubjectToken };

/** An operator API token was issued for one fleet (`ev.apitoken.<fleet>.<tokenId>`); it works until it expires or is revoked. */
export const ApiTokenIssued = defineMessage('ApiTokenIssued', 1, {
  ...token,
  name: DisplayName,
  role: ApiTokenRole,
  expiresAt: IsoTime,
  // Only the digest of the token, never the token: events are kept forever, read by every service and
  // copied into the audit log. The secret is 256 random bits, so a plain SHA-256 cannot be searched back.
  secretSha256: Sha256Hex,
});
export type ApiTokenIssued = z.infer<typeof ApiTokenIssued>;

/** The token was revoked; it is refused from now on. */
export const ApiTokenRevoked = defineMessage('ApiTokenRevoked', 1, { ...token, reason: Reason.optional() });
export type ApiTokenRevoked = z.infer<typeof ApiTokenRevoked>;

/**
 * The api started with another bootstrap admin token than before (`ev.operator.<fleet>.credentials`,
 * in the installation's audit fleet): the old one is refused from then on.
 */
export const AdminCredentialRotated = defineMessage('AdminCredentialRotated', 1, {
  fleet: SubjectToken,
  // The variable's name, never its value nor a digest of it (an admin token may be a weak passphrase).
  credential: z.literal('KEELSON_ADMIN_TOKEN'),
  rotatedAt: IsoTime,
});
export type AdminCredentialRotated = z.infer<typeof AdminCredentialRotated>;

/** The key-encryption secrets a service seals its private keys under. */
export const PlatformSecret = z.enum(['KEELSON_DEVICE_CA_KEY_SECRET', 'KEELSON_SIGNER_KEY_SECRET']);
export type PlatformSecret = z.infer<typeof PlatformSecret>;

/**
 * A service started with a new key-encryption secret and the one it replaces (`<NAME>_PREVIOUS`), and
 * re-sealed `keys` private key files under the new one; none was lost. Written by the service that
 * owns the keys, on its own stream, in the installation's audit fleet (the device gateway:
 * `ev.enrollment.<fleet>.device-ca-key`; the signer: `ev.signer.<fleet>.signer-key`).
 */
export const PlatformSecretRotated = defineMessage('PlatformSecretRotated', 1, {
  fleet: SubjectToken,
  // The variable's name, never its value.
  credential: PlatformSecret,
  service: SubjectToken,
  keys: z.number().int().min(1),
  rotatedAt: IsoTime,
});
export type PlatformSecretRotated = z.infer<typeof PlatformSecretRotated>;

const sink = { fleet: SubjectToken, sinkId: SubjectToken, name: SubjectToken };

/**
 * An operator added a webhook sink of the fleet's audit entries (`ev.operator.<fleet>.<sinkId>`),
 * delivered from chain position `from`. The address is recorded; the signing secret never is.
 */
export const AuditSinkAdded = defineMessage('AuditSinkAdded', 1, { ...sink, url: z.url().max(2048), from: z.number().int().min(1) });
export type AuditSinkAdded = z.infer<typeof AuditSinkAdded>;

/** An operator removed a webhook sink; its sealed secret was destroyed with it. */
export const AuditSinkRemoved = defineMessage('AuditSinkRemoved', 1, sink);
export type AuditSinkRemoved = z.infer<typeof AuditSinkRemoved>;

/** An operator resumed a sink that had paused on a dead letter, at chain position `at`. */
export const AuditSinkResumed = defineMessage('AuditSinkResumed', 1, { ...sink, at: z.number().int().min(1) });
export type AuditSinkResumed = z.infer<typeof AuditSinkResumed>;

/** Any credential or audit-sink event: the api's stream (EV_OPERATORS) and the key rotations services record on theirs; latest versions only. */
export type OperatorEvent =
  ApiTokenIssued | ApiTokenRevoked | AdminCredentialRotated | PlatformSecretRotated | AuditSinkAdded | AuditSinkRemoved | AuditSinkResumed;

/** Reads every version of every operator event. */
export const operatorEvents = new MessageRegistry<OperatorEvent>([
  readersOf(ApiTokenIssued),
  readersOf(ApiTokenRevoked),
  readersOf(AdminCredentialRotated),
  readersOf(PlatformSecretRotated),
  readersOf(AuditSinkAdded),
  readersOf(AuditSinkRemoved),
  readersOf(AuditSinkResumed),
]);

/** Parses an operator event at the boundary; throws `InvalidInput` (`message.*`). */
export function parseOperatorEvent(raw: unknown): OperatorEvent {
  return operatorEvents.parse(raw);
}
