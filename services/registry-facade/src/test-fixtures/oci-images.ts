import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** One blob of an OCI layout: its descriptor and bytes. */
export interface OciBlob {
  mediaType: string;
  digest: string;
  size: number;
  bytes: Buffer;
}

/** One platform's image as written: its manifest, config and layers. */
export interface OciImage {
  platform: string;
  manifest: OciBlob;
  config: OciBlob;
  layers: OciBlob[];
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blobOf = (mediaType: string, bytes: Buffer): OciBlob => ({ mediaType, digest: sha(bytes), size: bytes.length, bytes });
const descriptor = ({ mediaType, digest, size }: OciBlob) => ({ mediaType, digest, size });

/** A real tar of one file holding `bytes` (a layer's rootfs: `/payload`). */
function layerTar(bytes: Buffer): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-layer-'));
  try {
    writeFileSync(join(dir, 'payload'), bytes);
    const made = spawnSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-C', dir, '-cf', '-', 'payload'], {
      maxBuffer: 64 * 1024 * 1024,
    });
    if (made.status !== 0) throw new Error(`tar failed: ${made.stderr.toString()}`);
    return made.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An image for `platform` (`os/arch[/variant]`) with one layer per entry of `layerBytes` (random bytes by default). */
export function ociImage(platform: string, layerBytes: number[] = [2000]): OciImage {
  const [os, architecture, variant] = platform.split('/');
  // Gzipped, as registries keep them: skopeo would compress a plain tar on push and change its digest.
  const tars = layerBytes.map((n) => layerTar(randomBytes(n)));
  const layers = tars.map((tar) => blobOf('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(tar)));
  const config = blobOf(
    'application/vnd.oci.image.config.v1+json',
    Buffer.from(
      JSON.stringify({
        architecture,
        os,
        ...(variant ? { variant } : {}),
        config: { Cmd: ['/payload'] },
        rootfs: { type: 'layers', diff_ids: tars.map(sha) },
      }),
    ),
  );
  const manifest = blobOf(
    'application/vnd.oci.image.manifest.v1+json',
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: descriptor(config),
        layers: layers.map(descriptor),
      }),
    ),
  );
  return { platform, manifest, config, layers };
}

/**
 * Writes an OCI image layout holding `images` under `tag`: one image as is, several behind an
 * image index with their platforms. Answers the layout's path and the index blob (when written).
 */
export function writeOciLayout(dir: string, tag: string, images: OciImage[]): { path: string; index?: OciBlob } {
  const path = join(dir, `layout-${randomBytes(4).toString('hex')}`);
  mkdirSync(join(path, 'blobs', 'sha256'), { recursive: true });
  const put = (b: OciBlob) => writeFileSync(join(path, 'blobs', 'sha256', b.digest.slice(7)), b.bytes);
  for (const image of images) [image.manifest, image.config, ...image.layers].forEach(put);
  let index: OciBlob | undefined;
  if (images.length > 1) {
    index = blobOf(
      'application/vnd.oci.image.index.v1+json',
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: images.map((i) => {
            const [os, architecture, variant] = i.platform.split('/');
            return { ...descriptor(i.manifest), platform: { os, architecture, ...(variant ? { variant } : {}) } };
          }),
        }),
      ),
    );
    put(index);
  }
  const top = index ?? images[0]!.manifest;
  writeFileSync(join(path, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(path, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ ...descriptor(top), annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
  return { path, ...(index ? { index } : {}) };
}

/** `skopeo copy --all oci:LAYOUT:TAG docker://HOST/REPO:TAG`, with the registry's credentials, skipping TLS checks of the test CA. */
export function pushLayout(
  layout: string,
  tag: string,
  registryUrl: string,
  repo: string,
  creds?: { username: string; password: string },
): void {
  const host = new URL(registryUrl).host;
  const args = [
    'copy',
    '--all',
    '--quiet',
    '--dest-tls-verify=false',
    ...(creds ? ['--dest-creds', `${creds.username}:${creds.password}`] : []),
    `oci:${layout}:${tag}`,
    `docker://${host}/${repo}:${tag}`,
  ];
  const pushed = spawnSync('skopeo', args, { encoding: 'utf8' });
  if (pushed.status !== 0) throw new Error(`skopeo copy failed (apt-get install skopeo): ${pushed.stderr}`);
}

/** The path of a blob in a docker-registry's filesystem storage (to tamper with it). */
export const registryBlobPath = (registryDir: string, digest: string) =>
  join(registryDir, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7), 'data');
