import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import type { DeviceAuthenticator } from '../device-access/device-authenticator.js';
import { sendFailure } from '../http/facade-error.filter.js';
import { deviceReads, targetBytes } from '../http/registry.metrics.js';
import type { DeviceFiles } from './device-files.js';
import { parseDeviceRoute, type DeviceRoute } from './device-route.js';
import { bytesSent, sendDocument, sendTarget, targetRange } from './device-responses.js';

/**
 * The device routes (`GET|HEAD /v1/fleets/:fleet/tuf/:file` and
 * `/v1/fleets/:fleet/targets/:kind/:name/:version/:file`), answered straight on the HTTP server: a
 * fleet updating at once makes six of these per device, and the profile of a 1000-device rollout
 * put a quarter of the facade's request handling in express's and Nest's per-request work (router,
 * middleware, body parsers, reply and ETag) that a GET of a signed file does not need. Every check
 * stays and comes first: the device's certificate (DeviceAuthenticator: mutual TLS, issuer,
 * validity, current and active, its own fleet), then only the exact signed file of that fleet.
 * Errors leave in the facade's error body, as from the Nest routes.
 */
export class DeviceRequestHandler {
  private readonly logger = new Logger('device-routes');

  constructor(
    private readonly devices: DeviceAuthenticator,
    private readonly files: DeviceFiles,
  ) {}

  /** Takes the request if it is a device route (true); anything else is left to the app (false). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const route = parseDeviceRoute(req.method, req.url);
    if (!route) return false;
    this.serve(route, req, res).catch((err: unknown) => sendFailure(res, err, this.logger));
    return true;
  }

  private async serve(route: DeviceRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
    await this.devices.admit(req, route.fleet);
    const withBody = req.method === 'GET';
    if (route.what === 'metadata') {
      const document = await this.files.document(route.fleet, route.file);
      deviceReads().inc({ what: 'metadata' });
      return sendDocument(res, withBody, document);
    }
    const target = await this.files.target(route);
    deviceReads().inc({ what: 'target' });
    const range = targetRange(req, target);
    // A resumed download is rare and says something about a device's network: one line each, with
    // the digest (public: it is in the signed metadata) and the offset, never the device's identity.
    if (range.kind === 'span') this.logger.log(`target ${target.sha256} sent from byte ${range.start} to ${range.end} (Range)`);
    if (withBody) targetBytes().inc(bytesSent(target, range));
    sendTarget(res, withBody, target, range);
  }
}
