// @keelson/tuf/testing: TUF repositories with real keys for specs (test-only, run from source by Jest).
export { KeyedRepository, type PublishedTarget, type RepositoryShape } from './keyed-repository.js';
export type { ChosenVersion } from './metadata-bodies.js';
export { generateRoleKeys, newSigningKey, signAs, type RoleSigningKeys, type SigningKey, type TestRoleKeys } from './signing-keys.js';
export { flipSignedByte, flipTargetHash, forgeNextRoot, forgeTargets, tamperTarget, versionOf } from './tampering.js';
export { blobName, metadataFileName, tufEventsOf, type Signing } from './served-repository.js';
