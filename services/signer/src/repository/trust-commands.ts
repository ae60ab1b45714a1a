import { signer } from '@keelson/commands';
import { eventMetadataOf, handlerFor } from '@keelson/service-kit';
import type { TufRepositories } from './tuf-repositories.js';
import { documentOf } from './tuf-repository.evolve.js';


/**
 * The trust-domain commands: export what an offline root ceremony needs, import its signed root,
 * rotate an online key. Each runs on the fleet's repository like any signing, so versions stay one chain.
 */
export function trustCommandHandlers(repositories: TufRepositories) {
  return [
    handlerFor(signer.exportOnlineKeys, async ({ fleet }, ctx) => {
      const { state, keys, trusted } = await repositories.onlineKeys(fleet, eventMetadataOf(ctx));
      return {
        fleet,
        development: state.development,
        root: documentOf(state, 'root').metadata,
        keys: keys.map((h) => ({
          role: h.role as signer.OnlineRole,
          keyId: h.key.keyID,
          key: { keytype: 'ed25519' as const, scheme: 'ed25519' as const, keyval: { public: h.key.keyVal.public! } },
          inRoot: trusted(h),
        })),
      };
    }),
    handlerFor(signer.importRoot, async ({ fleet, root }, ctx) => {
      const state = await repositories.importRoot(fleet, root, eventMetadataOf(ctx));
      return { version: documentOf(state, 'root').version, development: state.development };
    }),
    handlerFor(signer.rotateOnlineKey, async ({ fleet, role }, ctx) => {
      const { keyId, pending, state } = await repositories.rotateOnlineKey(fleet, role, eventMetadataOf(ctx));
      return { role, keyId, pending, rootVersion: documentOf(state, 'root').version };
    }),
  ];
}
