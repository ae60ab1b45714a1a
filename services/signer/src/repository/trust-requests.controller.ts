import { Controller, Inject } from '@nestjs/common';
import { signer } from '@keelson/requests';
import { type RequestContext, type RequestIn, type RequestOut, RequestPattern, eventMetadataOf } from '@keelson/service-kit';
import { TufRepositories } from './tuf-repositories.js';
import { documentOf } from './tuf-repository.evolve.js';

/**
 * The trust-domain requests: the fleet's root (initialising its repository on first ask), export
 * what an offline root ceremony needs, import its signed root, rotate an online key. Each runs on
 * the fleet's repository like any signing, so versions stay one chain.
 */
@Controller()
export class TrustRequests {
  constructor(@Inject(TufRepositories) private readonly repositories: TufRepositories) {}

  @RequestPattern(signer.getRoot)
  async getRoot({ fleet }: RequestIn<typeof signer.getRoot>, ctx: RequestContext): RequestOut<typeof signer.getRoot> {
    const repository = await this.repositories.ensure(fleet, eventMetadataOf(ctx));
    const root = documentOf(repository, 'root');
    return { version: root.version, development: repository.development, root: root.metadata };
  }

  @RequestPattern(signer.exportOnlineKeys)
  async exportOnlineKeys(
    { fleet }: RequestIn<typeof signer.exportOnlineKeys>,
    ctx: RequestContext,
  ): RequestOut<typeof signer.exportOnlineKeys> {
    const { state, keys, trusted } = await this.repositories.onlineKeys(fleet, eventMetadataOf(ctx));
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
  }

  @RequestPattern(signer.importRoot)
  async importRoot({ fleet, root }: RequestIn<typeof signer.importRoot>, ctx: RequestContext): RequestOut<typeof signer.importRoot> {
    const state = await this.repositories.importRoot(fleet, root, eventMetadataOf(ctx));
    return { version: documentOf(state, 'root').version, development: state.development };
  }

  @RequestPattern(signer.rotateOnlineKey)
  async rotateOnlineKey(
    { fleet, role }: RequestIn<typeof signer.rotateOnlineKey>,
    ctx: RequestContext,
  ): RequestOut<typeof signer.rotateOnlineKey> {
    const { keyId, pending, state } = await this.repositories.rotateOnlineKey(fleet, role, eventMetadataOf(ctx));
    return { role, keyId, pending, rootVersion: documentOf(state, 'root').version };
  }
}
