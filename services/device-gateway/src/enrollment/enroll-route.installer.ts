import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DeviceEnrollment } from './enroll-device.js';
import { EnrollRequestHandler } from './enroll-route.js';

const installed = Symbol('keelson.enroll-route');

/**
 * Puts EnrollRequestHandler in front of the app on the app's own HTTP(S) server, before it
 * listens: a JSON `POST /v1/enroll` is answered there, every other request goes to express and Nest
 * as before (the controller for other enrollment bodies, the rest of the routes, 404s), on the same
 * port and TLS settings.
 */
@Injectable()
export class EnrollRouteInstaller implements OnApplicationBootstrap {
  private readonly handler: EnrollRequestHandler;

  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(DeviceEnrollment) enrollment: DeviceEnrollment,
  ) {
    this.handler = new EnrollRequestHandler(enrollment);
  }

  onApplicationBootstrap(): void {
    const server = this.host.httpAdapter?.getHttpServer() as (Server & { [installed]?: true }) | undefined;
    if (!server || server[installed]) return; // an application context without HTTP enrolls no device
    const app = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!this.handler.handle(req, res)) for (const listener of app) listener.call(server, req, res);
    });
    server[installed] = true;
  }
}
