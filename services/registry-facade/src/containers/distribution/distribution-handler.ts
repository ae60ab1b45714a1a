import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { ServiceError } from '@keelson/service-kit';
import type { BlobStore } from '../../blobs/blob-store.js';
import type { AuthenticatedDevice, DeviceAuthenticator } from '../../device-access/device-authenticator.js';
import { deviceReads, targetBytes } from '../../http/registry.metrics.js';
import { distributionFailure, sendDistributionFailure } from './distribution-failure.js';
import { sendBlob, sendManifest, sendVersion } from './distribution-responses.js';
import { parseDistributionRoute, referenceOf, repositoryName, type DistributionRoute } from './distribution-route.js';
import type { FleetImages, ImagePart } from './fleet-images.js';
import type { ImageManifests } from './image-manifests.js';

type ContentRoute = Extract<DistributionRoute, { what: 'manifest' | 'blob' }>;

/**
 * The OCI distribution API for devices (`GET|HEAD /v2/`, `/v2/<name>/manifests/<digest>`,
 * `/v2/<name>/blobs/<digest>`), pull only and by digest only, answered straight on the facade's
 * server like the TUF routes. The device is the holder of its certificate (mutual TLS, checked first,
 * on every request) and sees the images its own fleet published, nothing else, each under the name of
 * the container artifact it was published as: a manifest under that artifact's name, a blob under
 * the name of an artifact whose manifest names it. A digest the fleet has not under that name is a
 * 404, whatever else the store holds; one another fleet published is also logged for the audit, as
 * a device reaching out of its fleet.
 */
export class DistributionHandler {
  private readonly logger = new Logger('oci-distribution');

  constructor(
    private readonly devices: DeviceAuthenticator,
    private readonly images: FleetImages,
    private readonly manifests: ImageManifests,
    private readonly blobs: BlobStore,
  ) {}

  /** Takes the request if it is a `/v2` one (true); anything else is left to the app (false). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const route = parseDistributionRoute(req.method, req.url);
    if (!route) return false;
    this.serve(route, req, res).catch((err: unknown) => sendDistributionFailure(res, err, this.logger));
    return true;
  }

  private async serve(route: DistributionRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const device = await this.devices.authenticate(req);
    if (route.what === 'version') return sendVersion(res);
    if (route.what === 'unsupported') throw distributionFailure(405, 'UNSUPPORTED', route.why);
    const sha256 = this.digestOf(route);
    const digest = `sha256:${sha256}`;
    const withBody = req.method === 'GET';
    if (!(await this.images.has(device.fleet, route.name, route.what, sha256))) return this.notInFleet(req, device, route.what, sha256);
    if (route.what === 'manifest') {
      deviceReads().inc({ what: 'image-manifest' });
      return sendManifest(res, withBody, digest, await this.manifests.of(sha256));
    }
    const blob = await this.blobs.openBlob(sha256);
    if (!blob)
      throw new ServiceError('Internal', 'blob.missing', 'the image is published but this blob of it is missing from the blob store');
    deviceReads().inc({ what: 'image-blob' });
    if (withBody) targetBytes().inc(blob.size);
    sendBlob(res, withBody, digest, blob, req.headers.range);
  }

  /** The sha256 hex the route asks for; a tag or another digest is refused in the spec's words. */
  private digestOf(route: ContentRoute): string {
    if (!repositoryName.test(route.name))
      throw distributionFailure(400, 'NAME_INVALID', `'${route.name.slice(0, 100)}' is not a repository name`);
    const reference = referenceOf(route.reference);
    if ('digest' in reference) return reference.digest;
    if ('tag' in reference && route.what === 'manifest') {
      throw distributionFailure(
        404,
        'MANIFEST_UNKNOWN',
        'this registry serves manifests by digest only (sha256:…): devices pull the digest their update names, never a tag',
      );
    }
    throw distributionFailure(400, 'DIGEST_INVALID', 'not a sha256 digest (sha256: and 64 lower-case hex digits)');
  }

  /**
   * The 404 of a digest the device's fleet has not under the asked name. Only a digest the store holds can be another
   * fleet's, so a made-up one costs a store lookup, never a look through every fleet's images.
   */
  private async notInFleet(req: IncomingMessage, device: AuthenticatedDevice, part: ImagePart, sha256: string): Promise<never> {
    const stored = (await this.blobs.sizeOf(sha256)) !== null;
    if (stored && (await this.images.elsewhere(device.fleet, part, sha256))) this.devices.reportOtherFleetRead(req, device);
    throw part === 'manifest'
      ? distributionFailure(404, 'MANIFEST_UNKNOWN', `no image sha256:${sha256} under this name in this device's fleet`)
      : distributionFailure(404, 'BLOB_UNKNOWN', `no blob sha256:${sha256} of an image under this name in this device's fleet`);
  }
}
