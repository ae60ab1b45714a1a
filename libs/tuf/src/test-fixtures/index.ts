// @keelson/tuf/testing: TUF repositories with real keys for specs (test-only, run from source by Jest).
export { blobName, forgeNextRoot, KeyedRepository, newSigningKey, type SigningKey } from './keyed-repository.js';
export { generateRoleKeys, signAs, type TestRoleKeys } from './role-keys.js';
