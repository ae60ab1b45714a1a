#!/usr/bin/env node
// Builds the agent's release bundle for one architecture: keelson-agent-<version>-linux-<arch>.tar.gz
// and its .sha256, from the compiled checkout (npm run build first). See README.md beside this file.
//   node deploy/agent-bundle/build.mjs --arch x64|arm64 [--out DIR]
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runtimeClosure } from './closure.mjs';
import { nodeRuntime } from './node-runtime.mjs';
import { bundleName, writeChecksum } from './bundle-files.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
export const architectures = ['x64', 'arm64'];

const workspaceTop = new Set(['package.json', 'bin', 'dist']);

/** Leaves what a device never runs: type declarations, source maps, docs, a workspace package's sources. */
function keeper(dir) {
  const workspace = !dir.split(sep).includes('node_modules');
  return (path) => {
    if (path === dir) return true;
    const name = basename(path);
    if (name === 'node_modules') return false;
    if (workspace && dirname(path) === dir && !workspaceTop.has(name)) return false;
    return !/\.(d\.[cm]?ts|map|md|tsbuildinfo)$/.test(name) && !/\.spec\.js$/.test(name);
  };
}

function stage(root, arch, version) {
  for (const { dir, target } of runtimeClosure(repoRoot, join(repoRoot, 'services/agent'))) {
    const into = join(root, 'lib', target);
    cpSync(dir, into, { recursive: true, dereference: true, filter: keeper(dir) });
  }
  const node = nodeRuntime(repoRoot, arch);
  mkdirSync(join(root, 'node/bin'), { recursive: true });
  cpSync(node.binary, join(root, 'node/bin/node'));
  cpSync(node.license, join(root, 'node/LICENSE'));
  mkdirSync(join(root, 'bin'), { recursive: true });
  cpSync(join(here, 'keelson-agent.sh'), join(root, 'bin/keelson-agent'));
  chmodSync(join(root, 'bin/keelson-agent'), 0o755);
  mkdirSync(join(root, 'systemd'), { recursive: true });
  cpSync(join(here, 'keelson-agent.service'), join(root, 'systemd/keelson-agent.service'));
  writeFileSync(
    join(root, 'manifest.json'),
    `${JSON.stringify({ name: 'keelson-agent', version, os: 'linux', arch, node: node.version }, null, 2)}\n`,
  );
}

/** Builds one bundle into `outDir`; returns the tarball's path and sha256. */
export function buildAgentBundle({ arch, outDir }) {
  if (!architectures.includes(arch)) throw new Error(`--arch must be one of ${architectures.join(', ')}, got ${arch}`);
  const agentManifest = JSON.parse(readFileSync(join(repoRoot, 'services/agent/package.json'), 'utf8'));
  if (!existsSync(join(repoRoot, 'services/agent/dist/cli/keelson-agent.js')))
    throw new Error('the agent is not compiled: run npm run build first');
  const version = agentManifest.version;
  const work = mkdtempSync(join(tmpdir(), 'keelson-agent-bundle-'));
  try {
    const top = `keelson-agent-${version}`;
    stage(join(work, top), arch, version);
    mkdirSync(outDir, { recursive: true });
    const tarball = join(outDir, bundleName(version, arch));
    // Reproducible: sorted entries, fixed owner and time, no gzip timestamp.
    execFileSync(
      'sh',
      [
        '-c',
        'tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - "$1" | gzip -n > "$2"',
        'tar',
        top,
        `${tarball}.partial`,
      ],
      { cwd: work },
    );
    execFileSync('mv', [`${tarball}.partial`, tarball]);
    const sha256 = writeChecksum(tarball);
    return { tarball, sha256, version, arch };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The bundle `npm start` serves: built when missing or older than the compiled agent, else reused
 * (a build takes ~20 s). Returns the directory to give the api as KEELSON_AGENT_BUNDLES_DIR.
 */
export function freshAgentBundle({ arch, outDir }) {
  const version = JSON.parse(readFileSync(join(repoRoot, 'services/agent/package.json'), 'utf8')).version;
  const tarball = join(outDir, bundleName(version, arch));
  const compiled = join(repoRoot, 'services/agent/dist/cli/keelson-agent.js');
  const fresh = existsSync(`${tarball}.sha256`) && existsSync(compiled) && statSync(tarball).mtimeMs >= statSync(compiled).mtimeMs;
  if (!fresh) buildAgentBundle({ arch, outDir });
  return outDir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { values } = parseArgs({ options: { arch: { type: 'string' }, out: { type: 'string' } } });
    const built = buildAgentBundle({ arch: values.arch ?? '', outDir: resolve(values.out ?? join(repoRoot, 'dist/agent-bundles')) });
    process.stdout.write(`${JSON.stringify({ event: 'agent-bundle-built', ...built })}\n`);
  } catch (err) {
    process.stderr.write(`agent bundle: ${err.message}\n`);
    process.exit(1);
  }
}
