import { signer } from '@keelson/requests';
import { usageError } from '../../cli-io.js';
import { flag, print, table, type Action } from '../../action.js';
import { readJsonFile } from './tuf-files.js';

/** `tuf keys export`: the root in force and the public online keys, as JSON for an offline `tuf root init`. */
export const tufKeysExport: Action = {
  usage: 'tuf keys export > online-keys.json',
  args: [],
  options: {},
  async run(ctx) {
    const exported = signer.OnlineKeysExport.parse(await ctx.api.send('GET', '/v1/tuf/online-keys'));
    ctx.io.stdout(`${JSON.stringify(exported, null, 2)}\n`); // always JSON: it is a file to carry to the offline machine
    return 0;
  },
};

/** `tuf keys rotate --role R`: a new online key; in force at once in development, pending in production. */
export const tufKeysRotate: Action = {
  usage: 'tuf keys rotate --role targets|snapshot|timestamp',
  args: [],
  options: { role: { type: 'string' } },
  async run(ctx) {
    const role = signer.OnlineRole.safeParse(flag(ctx, 'role'));
    if (!role.success) throw usageError('--role must be targets, snapshot or timestamp');
    const reply = signer.rotateOnlineKey.output.parse(
      await ctx.api.send('POST', '/v1/tuf/online-keys/rotate', { body: { role: role.data } }),
    );
    print(ctx, reply, () =>
      reply.pending
        ? [
            `new ${reply.role} key ${reply.keyId} made; pending until a root names it (root in force: v${reply.rootVersion})`,
            'next: keelson tuf keys export > online-keys.json, then offline: keelson tuf root init --online-keys online-keys.json --rotate-online-keys ...',
          ]
        : [`new ${reply.role} key ${reply.keyId} in force with root v${reply.rootVersion}; the old key is revoked`],
    );
    return 0;
  },
};

/** `tuf root import --root FILE`: puts the offline-signed root in force on the node. */
export const tufRootImport: Action = {
  usage: 'tuf root import --root FILE',
  args: [],
  options: { root: { type: 'string' } },
  async run(ctx) {
    const file = flag(ctx, 'root');
    if (!file) throw usageError(`usage: keelson ${tufRootImport.usage}`);
    const reply = signer.importRoot.output.parse(await ctx.api.send('POST', '/v1/tuf/root', { body: readJsonFile(file, 'root') }));
    print(ctx, reply, () => [
      `root v${reply.version} in force (${reply.development ? 'development' : 'production: the node holds no root key'})`,
    ]);
    return 0;
  },
};

/** `tuf root show`: the root in force, its root keys and threshold. */
export const tufRootShow: Action = {
  usage: 'tuf root show',
  args: [],
  options: {},
  async run(ctx) {
    const reply = signer.getRoot.output.parse(await ctx.api.send('GET', '/v1/tuf/root'));
    const signed = reply.root.signed as { expires: string; roles: Record<string, { keyids: string[]; threshold: number }> };
    print(ctx, reply, () => [
      `root v${reply.version} (${reply.development ? 'development: every key online' : 'production'}), expires ${signed.expires}`,
      ...table([
        ['ROLE', 'THRESHOLD', 'KEYS'],
        ...Object.entries(signed.roles).map(([role, r]) => [role, String(r.threshold), r.keyids.map((k) => k.slice(0, 12)).join(',')]),
      ]),
    ]);
    return 0;
  },
};
