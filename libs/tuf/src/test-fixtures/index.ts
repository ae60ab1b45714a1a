// @keelson/tuf/testing: TUF repositories with real keys for specs (test-only, run from source by Jest).
export { blobName, KeyedRepository, type PublishedTarget, type RepositoryShape } from './keyed-repository.js';
export { newSigningKey, type RoleSigningKeys, type SigningKey } from './signing-keys.js';
export { flipSignedByte, flipTargetHash, forgeNextRoot, forgeTargets, tamperTarget, versionOf } from './tampering.js';
export { tufEventsOf, type Signing } from './tuf-events.js';
export { generateRoleKeys, signAs, type TestRoleKeys } from './role-keys.js';
