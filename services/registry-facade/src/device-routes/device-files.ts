import { parseTargetPath } from '../artifacts/artifact-id.js';
import { notServed } from '../http/http-failure.js';
import type { DeliverableTargets } from '../targets/deliverable-targets.js';
import { parseMetadataFile, type TufMetadataStore } from '../tuf-metadata/tuf-metadata.store.js';
import type { DeviceRoute } from './device-route.js';
import type { ServedTarget, TargetBytes } from './target-bytes.js';

// Consistent snapshots (TUF spec 5.7.3): a target is fetched as `<dir>/<sha256>.<basename>`.
const consistentName = /^([0-9a-f]{64})\.(.+)$/;

type TargetRoute = Extract<DeviceRoute, { what: 'target' }>;

/**
 * What an authenticated device's route finds in its own fleet's repository: a TUF metadata document
 * exactly as signed, or the stored bytes of a published (or still received) target at its exact
 * signed path and digest. Anything else is a 404 that says nothing more. Nothing is refused here
 * for its bytes on purpose: the device verifies length and digest against the signed targets
 * metadata, which is the check that matters (it also catches bytes changed on this disk); a small
 * target's bytes are checked before they are kept in memory (TargetBytes).
 */
export class DeviceFiles {
  constructor(
    private readonly metadata: TufMetadataStore,
    private readonly targets: DeliverableTargets,
    private readonly bytes: TargetBytes,
  ) {}

  /** The signed document `file` of the fleet (`timestamp.json` the newest), or a 404. */
  async document(fleet: string, file: string): Promise<Buffer> {
    const request = parseMetadataFile(file);
    const document = request ? await this.metadata.find(fleet, request) : null;
    if (!document) throw notServed('tuf.metadata-not-found', `no metadata '${file}' in this fleet's repository`);
    return document;
  }

  /** The target's bytes or its opened file (the caller closes it), or a 404; a 500 if they are known but gone from disk. */
  async target(route: TargetRoute): Promise<ServedTarget> {
    const m = consistentName.exec(route.file);
    const targetPath = m ? `${route.kind}/${route.name}/${route.version}/${m[2]}` : null;
    const known = m && targetPath && parseTargetPath(targetPath) ? await this.targets.lengthOf(route.fleet, targetPath, m[1]!) : null;
    if (!m || known === null) throw notServed('target.not-found', 'no such target in this fleet');
    return this.bytes.open(m[1]!, known);
  }
}
