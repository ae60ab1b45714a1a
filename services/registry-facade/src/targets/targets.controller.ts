import type { IncomingMessage } from 'node:http';
import { Controller, Get, Inject, Param, Req, StreamableFile } from '@nestjs/common';
import { ServiceError } from '@keelson/service-kit';
import { parseTargetPath } from '../artifacts/artifact-id.js';
import { BlobStore } from '../blobs/blob-store.js';
import { DeviceAuthenticator } from '../device-access/device-authenticator.js';
import { notServed } from '../http/http-failure.js';
import { deviceReads, targetBytes } from '../http/registry.metrics.js';
import { DeliverableTargets } from './deliverable-targets.js';

// Consistent snapshots (TUF spec 5.7.3): a target is fetched as `<dir>/<sha256>.<basename>`.
const consistentName = /^([0-9a-f]{64})\.(.+)$/;

/**
 * `GET /v1/fleets/:fleet/targets/<kind>/<name>/<version>/<sha256>.<basename>`: the bytes of a
 * fleet's artifact, streamed from the blob store with its length. Nothing is re-hashed here on
 * purpose: the device verifies length and digest against the signed targets metadata, which is
 * the check that matters (it also catches bytes changed on this disk).
 */
@Controller('v1/fleets/:fleet/targets')
export class TargetsController {
  constructor(
    @Inject(DeviceAuthenticator) private readonly devices: DeviceAuthenticator,
    @Inject(DeliverableTargets) private readonly targets: DeliverableTargets,
    @Inject(BlobStore) private readonly blobs: BlobStore,
  ) {}

  @Get(':kind/:name/:version/:file')
  async get(
    @Param('fleet') fleet: string,
    @Param('kind') kind: string,
    @Param('name') name: string,
    @Param('version') version: string,
    @Param('file') file: string,
    @Req() req: IncomingMessage,
  ): Promise<StreamableFile> {
    await this.devices.admit(req, fleet);
    const m = consistentName.exec(file);
    const targetPath = m ? `${kind}/${name}/${version}/${m[2]}` : null;
    const known = m && targetPath && parseTargetPath(targetPath) ? await this.targets.lengthOf(fleet, targetPath, m[1]!) : null;
    if (!m || known === null) throw notServed('target.not-found', 'no such target in this fleet');
    const size = await this.blobs.sizeOf(m[1]!);
    if (size === null) throw new ServiceError('Internal', 'blob.missing', 'the artifact is known but its bytes are missing from the blob store');
    deviceReads().inc({ what: 'target' });
    targetBytes().inc(size);
    return new StreamableFile(this.blobs.read(m[1]!), { length: size, type: 'application/octet-stream' });
  }
}
