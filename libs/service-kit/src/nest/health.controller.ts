import { Controller, Get, Header, Inject, ServiceUnavailableException } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { register } from 'prom-client';
import type { ServiceConfig } from '../config.js';
import { NATS, SERVICE_CONFIG } from '../tokens.js';

/** `/healthz` for launchers and probes, `/metrics` for Prometheus; both unauthenticated and loopback by default. */
@Controller()
export class HealthController {
  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  @Get('healthz')
  health(): { status: 'ok'; service: string } {
    if (this.nc.isClosed()) throw new ServiceUnavailableException('NATS connection closed');
    return { status: 'ok', service: this.config.service };
  }

  @Get('metrics')
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
