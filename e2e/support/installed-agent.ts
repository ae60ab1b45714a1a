import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { KeyedRepository } from '@keelson/tuf/testing';
import { createRollout, publishArtifact, rolloutBody, waitForRollout, type RolloutView } from './operator.js';
import { repoRoot, type TestPlatform } from './test-platform.js';

// The agent as the enroll line installs it on a device with no clone, no Node and no npm
// (e2e/agent-install.e2e.spec.ts): the bundles the api serves (and a newer release of one), the
// device's shell, the unit it runs, and a TUF root the platform never signed.

/** Builds the x64 agent bundle into a new temporary directory (the api's KEELSON_AGENT_BUNDLES_DIR) and returns it. */
export function buildBundles(): string {
  const bundles = mkdtempSync(join(tmpdir(), 'keelson-bundles-'));
  const built = spawnSync(process.execPath, [join(repoRoot, 'deploy/agent-bundle/build.mjs'), '--arch', 'x64', '--out', bundles], {
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`bundle build failed: ${built.stderr}`);
  return bundles;
}

/** A device's shell: an empty directory, the system's PATH only (no node_modules/.bin, no Node). */
export function deviceShell(line: string, cwd: string) {
  return spawnSync('sh', ['-c', line], { cwd, encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: cwd } });
}

/** The unit's ExecStart as systemd would run it, with ${STATE_DIRECTORY} set to the data directory. */
export function startUnit(prefix: string, dataDir: string): { child: ChildProcess; output: () => string } {
  const unit = readFileSync(join(prefix, 'systemd/keelson-agent.service'), 'utf8');
  const execStart = /^ExecStart=(.+)$/m.exec(unit)![1]!.replaceAll('${STATE_DIRECTORY}', dataDir).split(/\s+/);
  const child = spawn(execStart[0]!, execStart.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: '/usr/bin:/bin', STATE_DIRECTORY: dataDir },
  });
  let output = '';
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  return { child, output: () => output };
}

/** What the unit's stop does: SIGTERM, and resolves once the agent has exited (at once if it had). */
export async function stopUnit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** The device's identity as enrollment wrote it: its record, certificate and key. */
export function identityOf(dataDir: string): string[] {
  return ['identity/enrollment.json', 'identity/device.crt', 'identity/device.key'].map((f) => readFileSync(join(dataDir, f), 'utf8'));
}

/**
 * Publishes `detector@version` and rolls it out to the group `installed` (one wave), probed by the
 * file `<device>/ready`; returns the ended rollout and the bytes published.
 */
export async function rollOutDetector(
  platform: TestPlatform,
  device: string,
  version: string,
): Promise<{ done: RolloutView; bytes: Buffer }> {
  const bytes = Buffer.from(`detector ${version}\n${'weights '.repeat(2000)}`);
  await publishArtifact(platform, { name: 'detector', version, bytes });
  const probe = { kind: 'file' as const, path: join(device, 'ready'), timeoutSeconds: 5, attempts: 2 };
  const created = await createRollout(platform, rolloutBody(`detector@${version}`, 'installed', probe, [100]));
  return { done: await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted']), bytes };
}

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
