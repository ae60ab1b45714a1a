import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { canonicalize } from '@tufjs/canonical-json';
import { Key, Metadata, Root, Signature } from '@tufjs/models';

// What e2e/agent-install.e2e.spec.ts puts in front of the installer: a release newer than the one
// built, and a TUF root the platform never signed.

/**
 * Puts the bundle `dir` serves again as `version` (its top directory and manifest renamed, the bytes
 * of the agent unchanged) with its `.sha256`, so the api's shelf serves it as the newest release.
 */
export function publishRepackedBundle(dir: string, version: string): { file: string; remove(): void } {
  const [current] = readdirSync(dir).filter((f) => f.endsWith('.tar.gz'));
  const work = mkdtempSync(join(tmpdir(), 'keelson-repack-'));
  const file = join(dir, current!.replace(/-\d+\.\d+\.\d+-linux-/, `-${version}-linux-`));
  try {
    spawnSync('tar', ['-xzf', join(dir, current!), '-C', work]);
    const [top] = readdirSync(work);
    const manifest = JSON.parse(readFileSync(join(work, top!, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(work, top!, 'manifest.json'), JSON.stringify({ ...manifest, version }));
    renameSync(join(work, top!), join(work, `keelson-agent-${version}`));
    const packed = spawnSync('tar', ['-czf', file, '-C', work, `keelson-agent-${version}`], { encoding: 'utf8' });
    if (packed.status !== 0) throw new Error(`repacking ${current} failed: ${packed.stderr}`);
    writeFileSync(`${file}.sha256`, `${createHash('sha256').update(readFileSync(file)).digest('hex')}  ${basename(file)}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { file, remove: () => [file, `${file}.sha256`].forEach((f) => rmSync(f, { force: true })) };
}

/** A root of another trust (its own ed25519 key for every role), signed by itself: not the platform's. */
export function foreignRoot(version: number): Record<string, unknown> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const keyVal = { public: publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex') };
  const keyID = createHash('sha256').update(canonicalize({ keytype: 'ed25519', scheme: 'ed25519', keyval: keyVal })).digest('hex');
  const root = new Root({ version, specVersion: '1.0.31', expires: new Date(Date.now() + 365 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z'), consistentSnapshot: true });
  const key = new Key({ keyID, keyType: 'ed25519', scheme: 'ed25519', keyVal });
  for (const role of ['root', 'targets', 'snapshot', 'timestamp']) root.addKey(key, role);
  const signed = new Metadata(root);
  signed.sign((data) => new Signature({ keyID, sig: sign(null, data, privateKey).toString('hex') }));
  return signed.toJSON() as Record<string, unknown>;
}
