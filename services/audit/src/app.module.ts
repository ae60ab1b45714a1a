import { Module, type Type } from '@nestjs/common';
import { InfrastructureModule, type ServiceConfig } from '@keelson/service-kit';
import { AuditLogModule } from './audit-log/audit-log.module.js';

/** The audit service: the chained audit log of every stream, on the shared infrastructure. */
export function auditAppModule(config: ServiceConfig): Type {
  @Module({ imports: [InfrastructureModule.forRoot(config), AuditLogModule] })
  class AuditModule {}
  return AuditModule;
}
