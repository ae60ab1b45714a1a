import { Controller, Get, Header, HttpCode, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { register } from 'prom-client';
import type { ServiceConfig } from '../config.js';
import { NATS, SERVICE_CONFIG } from '../tokens.js';
import { Readiness, type ReadinessReport } from './readiness.js';

/**
 * `/healthz` (alive: restart me if not) and `/readyz` (send me work: see `Readiness`) for launchers and
 * probes, `/metrics` for Prometheus; unauthenticated and on loopback by default.
 */
@Controller()
export class HealthController {
  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly readiness: Readiness,
  ) {}

  @Get('healthz')
  health(): { status: 'ok'; service: string } {
    if (this.nc.isClosed()) throw new ServiceUnavailableException('NATS connection closed');
    const failed = this.readiness.failedModules();
    if (failed.length) throw new ServiceUnavailableException(`a module failed to start: ${failed.join('; ')}`);
    return { status: 'ok', service: this.config.service };
  }

  /** 200 when ready, 503 when not; the body names each check either way. */
  @Get('readyz')
  @HttpCode(200)
  async ready(
    @Res({ passthrough: true }) res: { status(code: number): unknown },
  ): Promise<{ status: 'ready' | 'not ready'; service: string } & ReadinessReport> {
    const report = await this.readiness.check();
    if (!report.ready) res.status(503);
    return { status: report.ready ? 'ready' : 'not ready', service: this.config.service, ...report };
  }

  @Get('metrics')
  @Header('Content-Type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
