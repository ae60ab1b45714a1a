import { z } from 'zod';
import { JsonObject, SubjectToken } from '@keelson/events';
import { defineRequest } from './kit.js';

/**
 * The fleet's current signed root metadata, the trust anchor a device pins at enrollment. The first
 * request for a fleet initialises its repository (development trust setup: every key online).
 */
export const getRoot = defineRequest(
  'signer',
  'get-root',
  z.strictObject({ fleet: SubjectToken }),
  z.strictObject({ version: z.number().int().min(1), development: z.boolean(), root: JsonObject }),
);

/** The online roles: their keys stay with the signer, while root keys can go offline. */
export const OnlineRole = z.enum(['targets', 'snapshot', 'timestamp']);
export type OnlineRole = z.infer<typeof OnlineRole>;

/** A TUF public key as root metadata names it (ed25519, raw key as hex). */
export const TufPublicKey = z.strictObject({
  keytype: z.literal('ed25519'),
  scheme: z.literal('ed25519'),
  keyval: z.strictObject({ public: z.string().regex(/^[0-9a-f]{64}$/) }),
});

/** One online key the signer holds: `inRoot` when the root in force names it, else it waits for a new root. */
export const OnlineKey = z.strictObject({
  role: OnlineRole,
  keyId: z.string().regex(/^[0-9a-f]{64}$/),
  key: TufPublicKey,
  inRoot: z.boolean(),
});
export type OnlineKey = z.infer<typeof OnlineKey>;

/**
 * What an offline root ceremony needs from the node (`keelson tuf keys export`): the root in force
 * (its version and root keys) and the public online keys. Public data only.
 */
export const OnlineKeysExport = z.strictObject({
  fleet: SubjectToken,
  development: z.boolean(),
  root: JsonObject,
  keys: z.array(OnlineKey),
});
export type OnlineKeysExport = z.infer<typeof OnlineKeysExport>;

export const exportOnlineKeys = defineRequest('signer', 'export-online-keys', z.strictObject({ fleet: SubjectToken }), OnlineKeysExport);

/**
 * Puts an offline-signed root in force (TUF spec 5.3.4 rules: version + 1, the thresholds of the
 * current and of the new root). From then on the signer holds no root key for the fleet.
 */
export const importRoot = defineRequest(
  'signer',
  'import-root',
  z.strictObject({ fleet: SubjectToken, root: JsonObject }),
  z.strictObject({ version: z.number().int().min(1), development: z.boolean() }),
);

/**
 * Makes a new key for an online role. In the development trust setup the signer puts it in force at
 * once with a root it signs itself (`rootVersion`); in production it is pending until an offline
 * root names it (`pending: true`).
 */
export const rotateOnlineKey = defineRequest(
  'signer',
  'rotate-online-key',
  z.strictObject({ fleet: SubjectToken, role: OnlineRole }),
  z.strictObject({ role: OnlineRole, keyId: z.string(), pending: z.boolean(), rootVersion: z.number().int().min(1) }),
);
