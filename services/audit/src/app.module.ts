import { Module, type Type } from '@nestjs/common';
import { InfrastructureModule, type InfrastructureOptions, type ServiceConfig } from '@keelson/service-kit';
import { AuditLogModule } from './audit-log/audit-log.module.js';

/** The audit service: the chained audit log of every stream, on the shared infrastructure. */
export function auditAppModule(config: ServiceConfig, options: InfrastructureOptions = {}): Type {
  @Module({ imports: [InfrastructureModule.forRoot(config, options), AuditLogModule] })
  class AuditModule {}
  return AuditModule;
}
