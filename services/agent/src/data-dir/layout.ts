import { join } from 'node:path';

/**
 * Where an agent keeps everything on its device, under one data directory:
 *
 * ```
 * identity/device.key  (0600)  identity/device.crt  identity/ca.crt
 * identity/broker.json (0600)  identity/enrollment.json
 * identity/renewal/device.key (0600), device.crt   a renewal's new key and certificate, before they are swapped in
 * tuf/root.json (the trusted root tuf-js updates)  tuf/pristine-root.json (the root from enrollment)
 * state.json                   the agent's journal (see agent-state.ts)
 * tmp/                         downloads and half-written files, emptied on every start
 * artifacts/<name>/versions/<version>/<basename>
 * artifacts/<name>/current  -> versions/<version>   (symlink; the active file is current/<basename>)
 * artifacts/<name>/previous -> versions/<version>   (symlink; what a rollback restores)
 * ```
 */
export class DataDirLayout {
  constructor(readonly root: string) {}

  get identityDir(): string {
    return join(this.root, 'identity');
  }
  get deviceKey(): string {
    return join(this.identityDir, 'device.key');
  }
  get deviceCertificate(): string {
    return join(this.identityDir, 'device.crt');
  }
  get caCertificate(): string {
    return join(this.identityDir, 'ca.crt');
  }
  /** Where a renewal keeps the next key and certificate until it swaps them in (see renewal/pending-renewal.ts). */
  get renewalDir(): string {
    return join(this.identityDir, 'renewal');
  }
  get brokerCredentials(): string {
    return join(this.identityDir, 'broker.json');
  }
  get enrollment(): string {
    return join(this.identityDir, 'enrollment.json');
  }
  get tufDir(): string {
    return join(this.root, 'tuf');
  }
  get trustedRoot(): string {
    return join(this.tufDir, 'root.json');
  }
  get pristineRoot(): string {
    return join(this.tufDir, 'pristine-root.json');
  }
  get stateFile(): string {
    return join(this.root, 'state.json');
  }
  get tmpDir(): string {
    return join(this.root, 'tmp');
  }
  get artifactsDir(): string {
    return join(this.root, 'artifacts');
  }
  artifactDir(name: string): string {
    return join(this.artifactsDir, name);
  }
  versionsDir(name: string): string {
    return join(this.artifactDir(name), 'versions');
  }
  versionDir(name: string, version: string): string {
    return join(this.versionsDir(name), version);
  }
  /** The link an application reads through: `current/<basename>` is the active file. */
  slot(name: string, slot: 'current' | 'previous'): string {
    return join(this.artifactDir(name), slot);
  }
  activeFile(name: string, basename: string): string {
    return join(this.slot(name, 'current'), basename);
  }
}

/** The file name of a target path (`model/yolo/2.1.0/model.onnx` -> `model.onnx`). */
export function basenameOf(targetPath: string): string {
  return targetPath.slice(targetPath.lastIndexOf('/') + 1);
}
