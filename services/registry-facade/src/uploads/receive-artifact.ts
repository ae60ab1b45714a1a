import type { IncomingMessage } from 'node:http';
import { InvalidInput, RuleViolation } from '@keelson/domain-kit';
import type { registry } from '@keelson/requests';
import type { EventMetadata } from '@keelson/event-store';
import { SubjectToken } from '@keelson/events';
import { artifactIdOf, targetPathOf } from '../artifacts/artifact-id.js';
import { viewOfHistory } from '../artifacts/artifact-history.js';
import type { Artifacts } from '../artifacts/artifacts.js';
import type { BlobStore } from '../blobs/blob-store.js';
import { containerUploadOf } from '../containers/oci-archive.js';
import { readMultipartUpload } from './multipart-upload.js';
import { parseArtifactUpload } from './upload-fields.js';

const exists = (name: string, version: string) =>
  new RuleViolation('artifact.exists', `artifact '${name}@${version}' already exists in this fleet`);

/**
 * Takes one artifact upload: checks the declared fields and that name@version is new, streams the
 * file into the blob store (hashing and counting as it goes), then appends `ArtifactReceived`.
 * The aggregate decides "new" again at append time, so two replicas racing for one name@version
 * end with one artifact and one 409.
 */
export class ArtifactReception {
  constructor(
    private readonly artifacts: Artifacts,
    private readonly blobs: BlobStore,
    private readonly maxBytes: number,
  ) {}

  async receive(fleet: string, req: IncomingMessage, meta: EventMetadata): Promise<registry.ArtifactView> {
    if (!SubjectToken.safeParse(fleet).success) {
      req.resume();
      throw new InvalidInput('request.invalid', [{ path: ['fleet'], message: 'must be a subject token: [a-z0-9][a-z0-9-]{0,62}' }]);
    }
    const { stored } = await readMultipartUpload(req, async (head, file) => {
      const upload = parseArtifactUpload(head);
      const artifactId = artifactIdOf(upload.name, upload.version);
      // Refuse before storing: a duplicate upload costs no disk and no hashing.
      if (await this.artifacts.exists(fleet, artifactId)) throw exists(upload.name, upload.version);
      // A container is an OCI image layout tar: stored blob by blob under their digests, not as one file.
      if (upload.kind === 'container') return { artifactId, ...(await containerUploadOf(upload, file, this.blobs, this.maxBytes)) };
      const blob = await this.blobs.put(file, this.maxBytes);
      return { upload, artifactId, blob };
    });
    const { upload, artifactId, blob } = stored;
    const { name, version, kind, manifest, contentType, basename } = upload;
    const outcome = await this.artifacts.execute(
      fleet,
      artifactId,
      {
        type: 'ReceiveArtifact',
        fleet,
        artifactId,
        name,
        version,
        kind,
        manifest,
        contentType,
        targetPath: targetPathOf(kind, name, version, basename),
        sha256: blob.sha256,
        length: blob.length,
      },
      meta,
    );
    const view = viewOfHistory(await this.artifacts.historyAfter(fleet, artifactId, outcome));
    if (!view) throw new Error('the artifact stream is empty right after the append');
    return view;
  }
}
