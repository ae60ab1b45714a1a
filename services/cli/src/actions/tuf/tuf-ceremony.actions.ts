import { generateKeyPairSync } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signer } from '@keelson/requests';
import { draftRoot, ed25519KeyOfPrivatePem, expiresAt, rootDocument, signRootDocument } from '@keelson/tuf';
import { usageError } from '../../cli-io.js';
import { flag, print, type Action } from '../../action.js';
import { makePrivateDir, readJsonFile, readKeyFile, writeNewFile } from './tuf-files.js';

const positiveInt = (raw: string | undefined, name: string, fallback?: number): number => {
  if (raw === undefined && fallback !== undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--${name} must be a whole number >= 1`);
  return n;
};

/**
 * `tuf root init`: the first half of the offline ceremony, on a machine with no network. Makes N
 * ed25519 root keys (0600 files) and the unsigned next root naming them with threshold M, and the
 * online keys from the file `tuf keys export` wrote on the node.
 */
export const tufRootInit: Action = {
  usage: 'tuf root init --keys N --threshold M --out DIR --online-keys FILE [--expires-days D] [--rotate-online-keys]   (offline)',
  args: [],
  offline: true,
  options: {
    keys: { type: 'string' },
    threshold: { type: 'string' },
    out: { type: 'string' },
    'online-keys': { type: 'string' },
    'expires-days': { type: 'string' },
    'rotate-online-keys': { type: 'boolean' },
  },
  async run(ctx) {
    const count = positiveInt(flag(ctx, 'keys'), 'keys');
    const threshold = positiveInt(flag(ctx, 'threshold'), 'threshold');
    const days = positiveInt(flag(ctx, 'expires-days'), 'expires-days', 365);
    const out = flag(ctx, 'out');
    const onlineFile = flag(ctx, 'online-keys');
    if (!out || !onlineFile) throw usageError(`usage: keelson ${tufRootInit.usage}`);
    if (threshold > count) throw usageError(`--threshold ${threshold} is more than --keys ${count}`);
    const parsed = signer.OnlineKeysExport.safeParse(readJsonFile(onlineFile, 'online keys'));
    if (!parsed.success) throw usageError(`${onlineFile} is not what \`keelson tuf keys export\` writes`);
    const pems = Array.from({ length: count }, () =>
      generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    );
    let draft;
    try {
      draft = draftRoot(
        parsed.data,
        pems.map(ed25519KeyOfPrivatePem),
        threshold,
        expiresAt(new Date(), days * 86_400),
        ctx.values['rotate-online-keys'] === true,
      );
    } catch (err) {
      throw usageError(err instanceof Error ? err.message : String(err));
    }
    makePrivateDir(out);
    const rootFile = join(out, `${draft.version}.root.draft.json`);
    writeNewFile(rootFile, `${JSON.stringify(rootDocument(draft), null, 2)}\n`);
    const keyFiles = pems.map((pem, i) => {
      const file = join(out, `root-key-${i + 1}.pem`);
      writeNewFile(file, pem, 0o600);
      return file;
    });
    const result = { fleet: parsed.data.fleet, version: draft.version, threshold, root: rootFile, keys: keyFiles, expires: draft.expires };
    print(ctx, result, () => [
      `root v${draft.version} draft for fleet ${result.fleet}: ${rootFile} (unsigned, expires ${draft.expires})`,
      ...keyFiles.map((f) => `root key ${f} (0600: keep it offline)`),
      `next: keelson tuf root sign --root ${rootFile} --key <root key> ... (${threshold} of these keys${parsed.data.development ? '' : ', and the threshold of the current root keys'})`,
    ]);
    return 0;
  },
};

/** `tuf root sign`: adds root-key signatures to a root document (offline), in place unless `--out` is given. */
export const tufRootSign: Action = {
  usage: 'tuf root sign --root FILE --key PEM [--key PEM ...] [--out FILE]   (offline)',
  args: [],
  offline: true,
  options: { root: { type: 'string' }, key: { type: 'string', multiple: true }, out: { type: 'string' } },
  async run(ctx) {
    const rootFile = flag(ctx, 'root');
    const keys = (ctx.values.key as unknown as string[] | undefined) ?? [];
    if (!rootFile || keys.length === 0) throw usageError(`usage: keelson ${tufRootSign.usage}`);
    let document = readJsonFile(rootFile, 'root');
    try {
      for (const file of keys) document = signRootDocument(document, readKeyFile(file));
    } catch (err) {
      throw usageError(`cannot sign ${rootFile}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const target = flag(ctx, 'out') ?? rootFile;
    const tmp = `${target}.tmp-${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(document, null, 2)}\n`);
    renameSync(tmp, target); // a signed root is replaced whole or not at all
    const signed = document.signed as { version: number; roles: { root: { keyids: string[]; threshold: number } } };
    const ids = Object.keys(Object.fromEntries(((document.signatures as { keyid: string }[]) ?? []).map((s) => [s.keyid, 1])));
    const ofNew = ids.filter((id) => signed.roles.root.keyids.includes(id)).length;
    const result = {
      root: target,
      version: signed.version,
      signatures: ids.length,
      newRootKeysSigned: ofNew,
      threshold: signed.roles.root.threshold,
    };
    print(ctx, result, () => [
      `${target}: root v${signed.version}, signed by ${ofNew} of the ${signed.roles.root.threshold} new root keys needed (${ids.length} signatures in all)`,
    ]);
    return 0;
  },
};
