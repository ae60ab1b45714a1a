import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../rollout-fanout/bench-platform.js';

/** The Node flags of the bundle's launcher (deploy/agent-bundle/keelson-agent.sh), read from it. */
export const launcherFlags: string[] = (
  /exec "\$prefix\/node\/bin\/node" (.*?) "\$prefix/.exec(
    readFileSync(join(repoRoot, 'deploy/agent-bundle/keelson-agent.sh'), 'utf8'),
  )?.[1] ?? ''
)
  .split(' ')
  .filter(Boolean);

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

/** Builds the checkout's x64 bundle, or takes `bundle` (a tarball built elsewhere, e.g. from another commit). */
function bundleTarball(dir: string, log: (line: string) => void, bundle?: string): string {
  if (bundle) return bundle;
  log('building the x64 agent bundle…');
  const built = spawnSync(
    process.execPath,
    [join(repoRoot, 'deploy/agent-bundle/build.mjs'), '--arch', 'x64', '--out', join(dir, 'bundles')],
    { encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`bundle build failed: ${built.stderr}`);
  return (JSON.parse(built.stdout) as { tarball: string }).tarball;
}

export async function installAgent(
  token: { token: string; gatewayUrl: string; caFingerprint: string },
  name: string,
  log: (line: string) => void,
  bundle?: string,
): Promise<InstalledAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-footprint-'));
  const tarball = bundleTarball(dir, log, bundle);
  mkdirSync(join(dir, 'unpacked'));
  execFileSync('tar', ['-xzf', tarball, '-C', join(dir, 'unpacked'), '--strip-components=1']);
  const launcher = join(dir, 'unpacked/bin/keelson-agent');
  const dataDir = join(dir, 'data');
  const env = { PATH: '/usr/bin:/bin' };
  const enroll = () =>
    spawnSync(
      launcher,
      [
        'enroll',
        '--gateway',
        token.gatewayUrl,
        '--token',
        token.token,
        '--ca-fingerprint',
        token.caFingerprint,
        '--data-dir',
        dataDir,
        '--name',
        name,
      ],
      { encoding: 'utf8', env },
    );
  let enrolled = enroll();
  // A platform just started may answer 503 (its signer not ready yet): the token is not spent, try again.
  for (let tries = 1; enrolled.status !== 0 && enrolled.stderr.includes('HTTP 503') && tries < 10; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    enrolled = enroll();
  }
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
    dir,
    node: join(dir, 'unpacked/node/bin/node'),
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
