import type { Server } from 'node:net';
import { Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { declareModule, SERVICE_CONFIG, type ModuleDeclaration, type ServiceConfig } from '@keelson/service-kit';
import { gateConnections, maxConnectionsOf, type ConnectionGate } from './connection-gate.js';

/**
 * Installs the ConnectionGate on the app's own HTTP(S) server before it listens (the runner starts
 * it at bootstrap; KEELSON_FACADE_MAX_CONNECTIONS), and closes it when the runner stops, before Nest
 * closes the server: that would wait for the connections still waiting at the gate.
 */
function connectionGateDeclaration(host: HttpAdapterHost, config: ServiceConfig): ModuleDeclaration {
  let gate: ConnectionGate | undefined;
  const install = (): void => {
    const server = host.httpAdapter?.getHttpServer() as Server | undefined;
    if (server) gate = gateConnections(server, maxConnectionsOf(config)); // an application context without HTTP has no connections
  };
  return {
    module: 'connection-gate',
    reactors: [{ name: 'connection gate', replicas: 'every-replica', start: install, stop: () => gate?.close() }],
  };
}

const CONNECTION_GATE_DECLARATION = Symbol('ConnectionGateDeclaration');

/** Bounds the connections the facade serves at once, and so its TLS memory (see ConnectionGate). */
@Module({
  providers: [
    {
      provide: CONNECTION_GATE_DECLARATION,
      inject: [HttpAdapterHost, SERVICE_CONFIG],
      useFactory: (host: HttpAdapterHost, config: ServiceConfig) => declareModule(connectionGateDeclaration(host, config)),
    },
  ],
})
export class ConnectionGateModule {}
