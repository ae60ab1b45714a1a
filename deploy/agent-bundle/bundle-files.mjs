// The names and checksum files the bundle builder, the platform and the installer agree on.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

/** keelson-agent-<version>-linux-<arch>.tar.gz */
export function bundleName(version, arch) {
  return `keelson-agent-${version}-linux-${arch}.tar.gz`;
}

/** Writes `<file>.sha256` in the format `sha256sum -c` reads ("<hex>  <name>"); returns the hex. */
export function writeChecksum(file) {
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  writeFileSync(`${file}.sha256`, `${sha256}  ${basename(file)}\n`);
  return sha256;
}
