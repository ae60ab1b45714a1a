import { join } from 'node:path';

/**
 * Where an agent keeps everything on its device, under one data directory:
 *
 * ```
 * identity/device.key  (0600)  identity/device.crt  identity/ca.crt
 * identity/broker.json (0600)  identity/enrollment.json
 * identity/renewal/device.key (0600), device.crt   a renewal's new key and certificate, before they are swapped in
 * tuf/root.json (the trusted root tuf-js updates)  tuf/pristine-root.json (the root from enrollment)
 * tuf/kept-metadata            the trusted timestamp, snapshot, targets and bins (see tuf/kept-metadata.ts)
 * state.json                   the agent's journal (see agent-state.ts)
 * tmp/                         metadata downloads and half-written files, emptied on every start
 * downloads/<sha256>.part      a target being downloaded, kept across restarts to resume (see tuf/resumable-download.ts)
 * artifacts/<name>/versions/<version>/<basename>
 * artifacts/<name>/current  -> versions/<version>   (symlink; the active file is current/<basename>)
 * artifacts/<name>/previous -> versions/<version>   (symlink; what a rollback restores)
 * ```
 */
export class DataDirLayout {
  // The fixed paths are joined once: a device update asks for them dozens of times (the TLS
  // identity at each request, the journal, the slots, the downloads).
  readonly identityDir: string;
  readonly deviceKey: string;
  readonly deviceCertificate: string;
  readonly caCertificate: string;
  /** Where a renewal keeps the next key and certificate until it swaps them in (see renewal/pending-renewal.ts). */
  readonly renewalDir: string;
  readonly brokerCredentials: string;
  readonly enrollment: string;
  readonly tufDir: string;
  readonly trustedRoot: string;
  readonly pristineRoot: string;
  readonly keptMetadata: string;
  readonly stateFile: string;
  readonly tmpDir: string;
  readonly downloadsDir: string;
  readonly artifactsDir: string;

  constructor(readonly root: string) {
    this.identityDir = join(root, 'identity');
    this.deviceKey = join(this.identityDir, 'device.key');
    this.deviceCertificate = join(this.identityDir, 'device.crt');
    this.caCertificate = join(this.identityDir, 'ca.crt');
    this.renewalDir = join(this.identityDir, 'renewal');
    this.brokerCredentials = join(this.identityDir, 'broker.json');
    this.enrollment = join(this.identityDir, 'enrollment.json');
    this.tufDir = join(root, 'tuf');
    this.trustedRoot = join(this.tufDir, 'root.json');
    this.pristineRoot = join(this.tufDir, 'pristine-root.json');
    this.keptMetadata = join(this.tufDir, 'kept-metadata');
    this.stateFile = join(root, 'state.json');
    this.tmpDir = join(root, 'tmp');
    this.downloadsDir = join(root, 'downloads');
    this.artifactsDir = join(root, 'artifacts');
  }

  /** Where the target of this sha256 is downloaded to: named by its digest, so a partial file only ever resumes the same bytes. */
  partialDownload(sha256: string): string {
    return join(this.downloadsDir, `${sha256}.part`);
  }
  // Each path in one join (the same normalised result as joins nested through the others): a
  // join copies and normalises its whole result, and an update asks for these about twenty times.
  artifactDir(name: string): string {
    return join(this.artifactsDir, name);
  }
  versionsDir(name: string): string {
    return join(this.artifactsDir, name, 'versions');
  }
  versionDir(name: string, version: string): string {
    return join(this.artifactsDir, name, 'versions', version);
  }
  /** The link an application reads through: `current/<basename>` is the active file. */
  slot(name: string, slot: 'current' | 'previous'): string {
    return join(this.artifactsDir, name, slot);
  }
  activeFile(name: string, basename: string): string {
    return join(this.artifactsDir, name, 'current', basename);
  }
}

/** The file name of a target path (`model/yolo/2.1.0/model.onnx` -> `model.onnx`). */
export function basenameOf(targetPath: string): string {
  return targetPath.slice(targetPath.lastIndexOf('/') + 1);
}
