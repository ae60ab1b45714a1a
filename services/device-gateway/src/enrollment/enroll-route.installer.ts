import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { HttpAdapterHost } from '@nestjs/core';
import type { DeclaredWorker } from '@keelson/service-kit';
import type { DeviceEnrollment } from './enroll-device.js';
import { EnrollRequestHandler } from './enroll-route.js';

const installed = Symbol('keelson.enroll-route');

/**
 * Puts EnrollRequestHandler in front of the app on the app's own HTTP(S) server, before it
 * listens (the runner starts it at bootstrap): a JSON `POST /v1/enroll` is answered there, every
 * other request goes to express and Nest as before (the controller for other enrollment bodies, the
 * rest of the routes, 404s), on the same port and TLS settings. Nothing to stop: the server closes.
 */
export function enrollRouteInstaller(host: HttpAdapterHost, enrollment: DeviceEnrollment): DeclaredWorker {
  const handler = new EnrollRequestHandler(enrollment);
  const install = (): void => {
    const server = host.httpAdapter?.getHttpServer() as (Server & { [installed]?: true }) | undefined;
    if (!server || server[installed]) return; // an application context without HTTP enrolls no device
    const app = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!handler.handle(req, res)) for (const listener of app) listener.call(server, req, res);
    });
    server[installed] = true;
  };
  return { name: 'enroll route', replicas: 'every-replica', start: install, stop: () => undefined }; // each replica's own server
}
