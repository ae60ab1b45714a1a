import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { keelson, type CliRun } from '../../services/cli/src/test-fixtures/run-cli.js';
import type { TestPlatform } from './test-platform.js';
import { connectDiagnostics } from './event-streams.js';

// Container artifacts as an operator publishes them: an OCI archive and the manifest that pins its
// digest, pushed with `keelson artifact push --kind container`; and the event streams they end in.

/** Writes `{ kind: 'container', repository, digest }` to `file` (a container artifact's manifest) and returns `file`. */
export function containerManifest(file: string, repository: string, digest: string): string {
  writeFileSync(file, JSON.stringify({ kind: 'container', repository, digest }));
  return file;
}

/** `keelson artifact push TAR --kind container --name NAME --version VERSION --manifest MANIFEST`, then `more`. */
export function pushContainer(
  platform: TestPlatform,
  artifact: { tar: string; name: string; version: string; manifest: string },
  ...more: string[]
): Promise<CliRun> {
  const { tar, name, version, manifest } = artifact;
  return keelson(
    platform.apiUrl,
    platform.adminToken,
    'artifact',
    'push',
    tar,
    '--kind',
    'container',
    '--name',
    name,
    '--version',
    version,
    '--manifest',
    manifest,
    ...more,
  );
}

/**
 * Every message of a stream, as text, read with the platform's diagnostics user. A sequence number
 * with no message (one the stream no longer holds) is passed over, unless `everyOne` asks for each.
 */
export async function streamTexts(platform: TestPlatform, stream: string, options: { everyOne?: boolean } = {}): Promise<string[]> {
  const nc = await connectDiagnostics(platform);
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    const texts: string[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const read = jsm.streams.getMessage(stream, { seq });
      const message = await (options.everyOne ? read : read.catch(() => null));
      if (options.everyOne || message) texts.push(Buffer.from(message!.data).toString('utf8'));
    }
    return texts;
  } finally {
    await nc.close();
  }
}

/**
 * An image built by podman (`FROM scratch`, one file; vfs storage in a private root under `parent`)
 * and saved as an oci-archive. Asynchronous and with a deadline of its own: a slow or stuck podman
 * then says so, instead of blocking the test's event loop past Jest's timeout.
 */
export async function podmanArchive(parent: string): Promise<{ tar: string; digest: string }> {
  const dir = mkdtempSync(join(parent, 'podman-'));
  const podman = async (...args: string[]) => {
    try {
      await promisify(execFile)(
        'podman',
        ['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--storage-driver', 'vfs', ...args],
        {
          timeout: 120_000,
        },
      );
    } catch (err) {
      throw new Error(`podman ${args[0]} failed (apt-get install podman): ${(err as { stderr?: string }).stderr ?? String(err)}`);
    }
  };
  mkdirSync(join(dir, 'ctx'));
  writeFileSync(join(dir, 'hello'), 'hello from a container\n');
  spawnSync('tar', ['-C', dir, '-cf', join(dir, 'ctx', 'rootfs.tar'), 'hello']);
  writeFileSync(join(dir, 'ctx', 'Containerfile'), 'FROM scratch\nADD rootfs.tar /\n');
  await podman('build', '-q', '-t', 'localhost/hello:1', join(dir, 'ctx'));
  const tar = join(dir, 'hello.tar');
  await podman('save', '--format', 'oci-archive', '-o', tar, 'localhost/hello:1');
  const index = JSON.parse(spawnSync('tar', ['-xOf', tar, 'index.json'], { encoding: 'utf8' }).stdout) as {
    manifests: { digest: string }[];
  };
  return { tar, digest: index.manifests[0]!.digest };
}
