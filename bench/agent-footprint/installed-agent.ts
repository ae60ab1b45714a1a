import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../rollout-fanout/bench-platform.js';

/** The agent as a device runs it: the x64 release bundle, unpacked, enrolled, `keelson-agent run`. */
export interface InstalledAgent {
  dir: string;
  /** The bundle's own Node, for the baseline process. */
  node: string;
  pid: number;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

export async function installAgent(token: { token: string; gatewayUrl: string; caFingerprint: string }, log: (line: string) => void): Promise<InstalledAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-footprint-'));
  log('building the x64 agent bundle…');
  const built = spawnSync(process.execPath, [join(repoRoot, 'deploy/agent-bundle/build.mjs'), '--arch', 'x64', '--out', join(dir, 'bundles')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`bundle build failed: ${built.stderr}`);
  const { tarball } = JSON.parse(built.stdout) as { tarball: string };
  mkdirSync(join(dir, 'unpacked'));
  execFileSync('tar', ['-xzf', tarball, '-C', join(dir, 'unpacked'), '--strip-components=1']);
  const launcher = join(dir, 'unpacked/bin/keelson-agent');
  const dataDir = join(dir, 'data');
  const env = { PATH: '/usr/bin:/bin' };
  const enrolled = spawnSync(launcher, ['enroll', '--gateway', token.gatewayUrl, '--token', token.token, '--ca-fingerprint', token.caFingerprint, '--data-dir', dataDir, '--name', 'footprint-1'], { encoding: 'utf8', env });
  if (enrolled.status !== 0) throw new Error(`enroll failed: ${enrolled.stderr}`);
  const child = spawn(launcher, ['run', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'inherit'], env });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('"agent-started"')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the agent exited ${code} before it started: ${out}`)));
  });
  return {
    dir, node: join(dir, 'unpacked/node/bin/node'), pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
