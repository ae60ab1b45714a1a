import { registry } from '@keelson/requests';
import { usageError } from '../cli-io.js';
import { flag, print, type Action } from '../action.js';
import { signingWaitSeconds, untilSigned } from './artifact-signing-wait.js';

/**
 * The artifact name and version an image publishes as when `--name`/`--version` are not given:
 * the repository's last segment and the tag (`harbor/apps/web:1.4.2` → `web@1.4.2`).
 */
export function defaultsOf(image: string): { name?: string; version?: string } {
  const match = /^[^/]+\/(?:.*\/)?([^/:@]+)(?::([^@]+))?(?:@.*)?$/.exec(image);
  return { ...(match?.[1] ? { name: match[1] } : {}), ...(match?.[2] ? { version: match[2] } : {}) };
}

/** `artifact publish --from-registry NAME/REPO:TAG`: the facade pins the tag, copies the image and the signer signs it. */
export const artifactPublish: Action = {
  usage:
    'artifact publish --from-registry NAME/REPO:TAG [--platform linux/arm64] [--name NAME] [--version VERSION] [--wait-seconds N | --no-wait]',
  args: [],
  options: {
    'from-registry': { type: 'string' },
    platform: { type: 'string' },
    name: { type: 'string' },
    version: { type: 'string' },
    'wait-seconds': { type: 'string' },
    'no-wait': { type: 'boolean' },
  },
  async run(ctx) {
    const image = flag(ctx, 'from-registry');
    if (image === undefined)
      throw usageError('artifact publish needs --from-registry NAME/REPO:TAG (NAME is a connection of `registry list`)');
    const defaults = defaultsOf(image);
    const name = flag(ctx, 'name') ?? defaults.name;
    const version = flag(ctx, 'version') ?? defaults.version;
    if (name === undefined || version === undefined)
      throw usageError(`give --name and --version: '${image}' names no tag to take them from`);
    const waitSeconds = signingWaitSeconds(ctx);
    const platform = flag(ctx, 'platform');
    const body = { image, name, version, ...(platform ? { platform } : {}) };
    const sent = registry.ArtifactView.parse(await ctx.api.send('POST', '/v1/artifacts/from-registry', { body }));
    const view = await untilSigned(ctx, sent, waitSeconds);
    const pinned = view.manifest.kind === 'container' ? view.manifest : undefined;
    print(ctx, view, () => [
      `published ${view.name}@${view.version} from ${pinned?.repository ?? image}: ${pinned?.digest ?? view.sha256}${pinned?.platform ? ` (${pinned.platform})` : ''}, ${view.status}`,
    ]);
    return 0;
  },
};
