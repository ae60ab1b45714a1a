import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { declareModule, type ModuleDeclaration } from '@keelson/service-kit';
import { BLOB_STORE, type BlobStore } from '../blobs/blob-store.js';
import { BlobsModule } from '../blobs/blobs.module.js';
import { DistributionHandler } from '../containers/distribution/distribution-handler.js';
import { DistributionModule } from '../containers/distribution/distribution.module.js';
import { DeviceAccessModule } from '../device-access/device-access.module.js';
import { DeviceAuthenticator } from '../device-access/device-authenticator.js';
import { DeliverableTargets } from '../targets/deliverable-targets.js';
import { TargetsModule } from '../targets/targets.module.js';
import { TufMetadataModule } from '../tuf-metadata/tuf-metadata.module.js';
import { TufMetadataStore } from '../tuf-metadata/tuf-metadata.store.js';
import { DeviceFiles } from './device-files.js';
import { DeviceRequestHandler } from './device-request-handler.js';
import { TargetBytes } from './target-bytes.js';

const installed = Symbol('keelson.device-routes');

/**
 * Puts the device routes in front of the app on the app's own HTTP(S) server, before it listens
 * (the runner starts it at bootstrap): a device request is answered by DeviceRequestHandler (TUF) or
 * DistributionHandler (OCI pulls, `/v2/`), every
 * other request goes to express and Nest as before (uploads, health, metrics, 404s), on the same
 * port and TLS settings. Nothing to stop: the server closes.
 */
function deviceRoutesDeclaration(host: HttpAdapterHost, handler: DeviceRequestHandler, pulls: DistributionHandler): ModuleDeclaration {
  const install = (): void => {
    const server = host.httpAdapter?.getHttpServer() as (Server & { [installed]?: true }) | undefined;
    if (!server || server[installed]) return; // an application context without HTTP serves no device
    const app = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!handler.handle(req, res) && !pulls.handle(req, res)) for (const listener of app) listener.call(server, req, res);
    });
    server[installed] = true;
  };
  return {
    module: 'device-routes',
    reactors: [{ name: 'device routes', replicas: 'every-replica', start: install, stop: () => undefined }],
  };
}

const DEVICE_ROUTES_DECLARATION = Symbol('DeviceRoutesDeclaration');

/** The device-facing routes: each fleet's TUF metadata, targets and container images, for that fleet's devices only. */
@Module({
  imports: [DeviceAccessModule, TufMetadataModule, TargetsModule, BlobsModule, DistributionModule],
  providers: [
    {
      provide: DeviceRequestHandler,
      inject: [DeviceAuthenticator, TufMetadataStore, DeliverableTargets, BLOB_STORE],
      useFactory: (devices: DeviceAuthenticator, metadata: TufMetadataStore, targets: DeliverableTargets, blobs: BlobStore) =>
        new DeviceRequestHandler(devices, new DeviceFiles(metadata, targets, new TargetBytes(blobs))),
    },
    {
      provide: DEVICE_ROUTES_DECLARATION,
      inject: [HttpAdapterHost, DeviceRequestHandler, DistributionHandler],
      useFactory: (host: HttpAdapterHost, handler: DeviceRequestHandler, pulls: DistributionHandler) =>
        declareModule(deviceRoutesDeclaration(host, handler, pulls)),
    },
  ],
})
export class DeviceRoutesModule {}
