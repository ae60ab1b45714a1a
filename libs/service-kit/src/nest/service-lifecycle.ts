import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Database } from '@keelson/postgres';
import { contractsOf } from '../requests/request-pattern.js';
import { RequestServer } from '../requests/request-server.js';
import type { ServiceConfig } from '../config.js';
import { DeclaredModule } from '../runner/module-declaration.js';
import { ServiceRunner } from '../runner/service-runner.js';
import { DATABASE, NATS, SERVICE_CONFIG } from '../tokens.js';

/**
 * Runs the `ServiceRunner` over every module declaration of the app (`declareModule` providers) in
 * Nest's lifecycle: streams and migrations at module init, projections, reactors and commands at
 * bootstrap (so the HTTP port opens only once they run), all of it stopped before the connections close.
 */
@Injectable()
export class ServiceLifecycle implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private runner: ServiceRunner | undefined;

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(DATABASE) private readonly db: Database | null,
    private readonly discovery: DiscoveryService,
    private readonly requestServer: RequestServer,
  ) {}

  async onModuleInit(): Promise<void> {
    const modules = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is DeclaredModule => instance instanceof DeclaredModule)
      .flatMap((declared) => declared.declarations);
    const undeclared = this.requestServer.undeclared(modules.flatMap((m) => (m.requestControllers ?? []).flatMap(contractsOf)));
    if (undeclared.length)
      throw new Error(
        `${this.config.service}: no module declares the controller of ${undeclared.join(', ')} (declareModule requestControllers): never served`,
      );
    this.runner = new ServiceRunner({ nc: this.nc, config: this.config, db: this.db, modules, requestServer: this.requestServer });
    await this.runner.prepare();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner?.start();
  }

  /** Modules started in the background that are not running (see `ServiceRunner.heldModules`). */
  heldModules(): { waiting: string[]; failed: string[] } {
    return this.runner?.heldModules() ?? { waiting: [], failed: [] };
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
  }
}
