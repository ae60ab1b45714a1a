import type { Server } from 'node:net';
import { Inject, Injectable, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { gateConnections, maxConnectionsOf, type ConnectionGate } from './connection-gate.js';

/** Installs the ConnectionGate on the app's own HTTP(S) server before it listens (KEELSON_FACADE_MAX_CONNECTIONS). */
@Injectable()
class ConnectionGateInstaller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private gate: ConnectionGate | undefined;

  constructor(
    @Inject(HttpAdapterHost) private readonly host: HttpAdapterHost,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.host.httpAdapter?.getHttpServer() as Server | undefined;
    if (server) this.gate = gateConnections(server, maxConnectionsOf(this.config)); // an application context without HTTP has no connections
  }

  /** Before Nest closes the server: it would wait for the connections still waiting at the gate. */
  beforeApplicationShutdown(): void {
    this.gate?.close();
  }
}

/** Bounds the connections the facade serves at once, and so its TLS memory (see ConnectionGate). */
@Module({ providers: [ConnectionGateInstaller] })
export class ConnectionGateModule {}
