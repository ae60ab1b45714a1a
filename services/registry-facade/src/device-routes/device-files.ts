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
 * signed path and digest. Anything else is a 404 that says nothing more. The device verifies length
 * and digest against the signed targets metadata, which is the check that matters; a small target
 * is also checked here once, when it is first read into memory (TargetBytes), a large one is not.
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

  /** The target's bytes or its opened file (the caller closes it), or a 404; a 500 if they are known but gone from disk or changed. */
  async target(route: TargetRoute): Promise<ServedTarget> {
    const m = consistentName.exec(route.file);
    const targetPath = m ? `${route.kind}/${route.name}/${route.version}/${m[2]}` : null;
    const known = m && targetPath && parseTargetPath(targetPath) ? await this.targets.lengthOf(route.fleet, targetPath, m[1]!) : null;
    if (!m || known === null) throw notServed('target.not-found', 'no such target in this fleet');
    return this.bytes.open(m[1]!, known);
  }
}
