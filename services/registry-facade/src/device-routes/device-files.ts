import { ServiceError } from '@keelson/service-kit';
import { parseTargetPath } from '../artifacts/artifact-id.js';
import type { BlobStore, StoredBlob } from '../blobs/blob-store.js';
import { notServed } from '../http/http-failure.js';
import type { DeliverableTargets } from '../targets/deliverable-targets.js';
import { parseMetadataFile, type TufMetadataStore } from '../tuf-metadata/tuf-metadata.store.js';
import type { DeviceRoute } from './device-route.js';

// Consistent snapshots (TUF spec 5.7.3): a target is fetched as `<dir>/<sha256>.<basename>`.
const consistentName = /^([0-9a-f]{64})\.(.+)$/;

type TargetRoute = Extract<DeviceRoute, { what: 'target' }>;

/**
 * What an authenticated device's route finds in its own fleet's repository: a TUF metadata document
 * exactly as signed, or the stored bytes of a published (or still received) target at its exact
 * signed path and digest. Anything else is a 404 that says nothing more. Nothing is re-hashed here
 * on purpose: the device verifies length and digest against the signed targets metadata, which is
 * the check that matters (it also catches bytes changed on this disk).
 */
export class DeviceFiles {
  constructor(
    private readonly metadata: TufMetadataStore,
    private readonly targets: DeliverableTargets,
    private readonly blobs: BlobStore,
  ) {}

  /** The signed document `file` of the fleet (`timestamp.json` the newest), or a 404. */
  async document(fleet: string, file: string): Promise<Buffer> {
    const request = parseMetadataFile(file);
    const document = request ? await this.metadata.find(fleet, request) : null;
    if (!document) throw notServed('tuf.metadata-not-found', `no metadata '${file}' in this fleet's repository`);
    return document;
  }

  /** The target's stored bytes, opened (the caller closes them), or a 404; a 500 if they are known but gone from disk. */
  async target(route: TargetRoute): Promise<StoredBlob> {
    const m = consistentName.exec(route.file);
    const targetPath = m ? `${route.kind}/${route.name}/${route.version}/${m[2]}` : null;
    const known = m && targetPath && parseTargetPath(targetPath) ? await this.targets.lengthOf(route.fleet, targetPath, m[1]!) : null;
    if (!m || known === null) throw notServed('target.not-found', 'no such target in this fleet');
    const blob = await this.blobs.openBlob(m[1]!);
    if (!blob) throw new ServiceError('Internal', 'blob.missing', 'the artifact is known but its bytes are missing from the blob store');
    return blob;
  }
}
