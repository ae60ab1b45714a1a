import { readFileSync, statSync } from 'node:fs';
import { registry } from '@keelson/requests';
import { usageError } from '../cli-io.js';
import { flag, print, table, type Action } from '../action.js';
import { multipartBody } from '../multipart-body.js';
import { signingWaitSeconds, untilSigned } from './artifact-signing-wait.js';

function readManifest(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw usageError(`cannot read the manifest file '${path}'`);
  }
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    throw usageError(`the manifest file '${path}' is not JSON`);
  }
}

/**
 * `artifact push <file>`: the file is streamed, never read whole; then waits until it is signed.
 * A config needs no manifest (the facade records `{"kind":"config"}`); a model or container does.
 */
export const artifactPush: Action = {
  usage:
    'artifact push <file> --name NAME --version VERSION --kind model|container|config [--manifest FILE.json] [--wait-seconds N | --no-wait]',
  args: ['file'],
  options: {
    name: { type: 'string' },
    version: { type: 'string' },
    kind: { type: 'string' },
    manifest: { type: 'string' },
    'wait-seconds': { type: 'string' },
    'no-wait': { type: 'boolean' },
  },
  async run(ctx) {
    const [file] = ctx.positionals as [string];
    const missing = ['name', 'version', 'kind'].filter((f) => !flag(ctx, f));
    if (!flag(ctx, 'manifest') && flag(ctx, 'kind') !== 'config') missing.push('manifest');
    if (missing.length)
      throw usageError(
        `artifact push needs ${missing.map((m) => `--${m}`).join(', ')}${missing.includes('manifest') ? ' (only a config may go without a manifest)' : ''}`,
      );
    const waitSeconds = signingWaitSeconds(ctx);
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw usageError(`'${file}' is not a file`);
    const manifest = flag(ctx, 'manifest');
    const fields: [string, string][] = [
      ['name', flag(ctx, 'name')!],
      ['version', flag(ctx, 'version')!],
      ['kind', flag(ctx, 'kind')!],
      ...(manifest ? [['manifest', readManifest(manifest)] as [string, string]] : []),
    ];
    const form = multipartBody(fields, { field: 'file', path: file });
    const view = await untilSigned(
      ctx,
      registry.ArtifactView.parse(await ctx.api.sendStream('/v1/artifacts', form.contentType, form.body)),
      waitSeconds,
    );
    print(ctx, view, () => [
      `pushed ${view.name}@${view.version} (${view.kind}, ${view.length} bytes, sha256 ${view.sha256}): ${view.status}`,
    ]);
    return 0;
  },
};

export const artifactList: Action = {
  usage: 'artifact list [--name NAME]',
  args: [],
  options: { name: { type: 'string' } },
  async run(ctx) {
    const page = registry.listArtifacts.output.parse(await ctx.api.send('GET', '/v1/artifacts', { query: { name: flag(ctx, 'name') } }));
    print(ctx, page, () =>
      page.items.length
        ? table([
            ['NAME', 'VERSION', 'KIND', 'STATUS', 'SHA256'],
            ...page.items.map((a) => [a.name, a.version, a.kind, a.status, a.sha256.slice(0, 12)]),
          ])
        : ['no artifacts'],
    );
    return 0;
  },
};
