import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { KeyedRepository } from '@keelson/tuf/testing';

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

/** A root of another trust (its own ed25519 keys), signed by itself: not the platform's. */
export function foreignRoot(): Record<string, unknown> {
  return new KeyedRepository({ rootKeys: 1 }).rootDocument();
}
