import { registry } from '@keelson/requests';
import { usageError } from '../cli-io.js';
import { flag, print, table, type Action } from '../action.js';
import { caPemFrom, credentialOptions, credentialsFrom } from './registry-credentials-flags.js';

const pathOf = (name: string | undefined) => `/v1/registries/${encodeURIComponent(name ?? '')}`;
const credentialsLine = (c: registry.RegistryConnectionView) => (c.credentialsSet ? `set (user ${c.username})` : 'none');

/** `registry connect <name> --url URL`: pings the registry with the credentials before anything is stored. */
export const registryConnect: Action = {
  usage: 'registry connect <name> --url URL [--username U --password-stdin] [--ca-file PEM] [--allow-realm ORIGIN,...]',
  args: ['name'],
  options: { url: { type: 'string' }, 'ca-file': { type: 'string' }, 'allow-realm': { type: 'string' }, ...credentialOptions },
  async run(ctx) {
    if (flag(ctx, 'url') === undefined) throw usageError('registry connect needs --url (e.g. https://registry.example:5000)');
    const credentials = await credentialsFrom(ctx);
    const caPem = caPemFrom(ctx);
    const allowedRealmOrigins = (flag(ctx, 'allow-realm') ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    const body = {
      name: ctx.positionals[0],
      url: flag(ctx, 'url'),
      ...credentials,
      ...(caPem ? { caPem } : {}),
      ...(allowedRealmOrigins.length ? { allowedRealmOrigins } : {}),
    };
    const c = registry.RegistryConnectionView.parse(await ctx.api.send('POST', '/v1/registries', { body }));
    print(ctx, c, () => [`registry ${c.name} connected: ${c.url}, credentials ${credentialsLine(c)}`]);
    return 0;
  },
};

/** `registry list`: the fleet's connections; whether credentials are set, never their value. */
export const registryList: Action = {
  usage: 'registry list',
  args: [],
  options: {},
  async run(ctx) {
    const page = registry.listRegistries.output.parse(await ctx.api.send('GET', '/v1/registries', { query: { limit: '1000' } }));
    print(ctx, page, () =>
      page.items.length
        ? table([['NAME', 'URL', 'CREDENTIALS', 'CONNECTED'], ...page.items.map((c) => [c.name, c.url, credentialsLine(c), c.connectedAt])])
        : ['no registries connected'],
    );
    return 0;
  },
};

/** `registry show <name>`. */
export const registryShow: Action = {
  usage: 'registry show <name>',
  args: ['name'],
  options: {},
  async run(ctx) {
    const c = registry.RegistryConnectionView.parse(await ctx.api.send('GET', pathOf(ctx.positionals[0])));
    print(ctx, c, () => [
      `name         ${c.name}`,
      `url          ${c.url}`,
      `credentials  ${credentialsLine(c)}${c.credentialsChangedAt ? `, changed ${c.credentialsChangedAt}` : ''}`,
      `custom CA    ${c.caFingerprint ? `sha256:${c.caFingerprint}` : 'none (system roots)'}`,
      `token realms ${c.allowedRealmOrigins.length ? c.allowedRealmOrigins.join(', ') : "the registry's own origin only"}`,
      `connected    ${c.connectedAt}`,
    ]);
    return 0;
  },
};

/** `registry test <name>`: a `/v2/` ping with the stored credentials; exit 1 with the reason when it fails. */
export const registryTest: Action = {
  usage: 'registry test <name>',
  args: ['name'],
  options: {},
  async run(ctx) {
    const r = registry.RegistryTestResult.parse(await ctx.api.send('POST', `${pathOf(ctx.positionals[0])}/test`));
    print(ctx, r, () => [`registry ${r.name} answered in ${r.elapsedMs} ms (${r.auth}${r.apiVersion ? `, ${r.apiVersion}` : ''})`]);
    return 0;
  },
};

/** `registry rotate-credentials <name> --username U --password-stdin` (checked first), or `--clear`. */
export const registryRotateCredentials: Action = {
  usage: 'registry rotate-credentials <name> (--username U --password-stdin | --clear)',
  args: ['name'],
  options: { clear: { type: 'boolean' }, ...credentialOptions },
  async run(ctx) {
    const credentials = await credentialsFrom(ctx);
    if (!credentials === !ctx.values.clear) {
      throw usageError('registry rotate-credentials needs new credentials (--username U --password-stdin) or --clear');
    }
    const c = registry.RegistryConnectionView.parse(
      await ctx.api.send('POST', `${pathOf(ctx.positionals[0])}/credentials`, { body: credentials ?? {} }),
    );
    print(ctx, c, () => [`registry ${c.name}: credentials ${credentialsLine(c)}`]);
    return 0;
  },
};

/** `registry remove <name>`: the connection and its sealed credentials go; artifacts copied from it stay. */
export const registryRemove: Action = {
  usage: 'registry remove <name>',
  args: ['name'],
  options: {},
  async run(ctx) {
    const c = registry.RegistryConnectionView.parse(await ctx.api.send('DELETE', pathOf(ctx.positionals[0])));
    print(ctx, c, () => [`registry ${c.name} removed`]);
    return 0;
  },
};
