import { Module, type Type } from '@nestjs/common';
import { InfrastructureModule, type InfrastructureOptions, type ServiceConfig } from '@keelson/service-kit';
import { AuditLogModule } from './audit-log/audit-log.module.js';
import { AuditSinksModule } from './audit-sinks/audit-sinks.module.js';

/** The audit service: the chained audit log of every stream and its webhook sinks, on the shared infrastructure. */
export function auditAppModule(config: ServiceConfig, options: InfrastructureOptions = {}): Type {
  @Module({ imports: [InfrastructureModule.forRoot(config, options), AuditLogModule, AuditSinksModule] })
  class AuditModule {}
  return AuditModule;
}
