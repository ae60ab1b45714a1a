import { Module, type Type } from '@nestjs/common';
import { InfrastructureModule, type ServiceConfig } from '@keelson/service-kit';
import { BrokerAuthModule } from './broker-auth/broker-auth.module.js';
import { DesiredStateModule } from './desired-state/desired-state.module.js';
import { DeviceTrustModule } from './device-ca/device-trust.module.js';
import { DeviceInboxModule } from './device-inbox/device-inbox.module.js';
import { DeviceMetricsModule } from './device-metrics/device-metrics.module.js';
import { DevicesModule } from './devices/devices.module.js';
import { EnrollmentModule } from './enrollment/enrollment.module.js';
import { GroupsModule } from './groups/groups.module.js';
import { RenewalModule } from './renewal/renewal.module.js';

/** The device half of the gateway: devices, desired state, the device inbox, device metrics and groups. */
export const deviceModules = [DevicesModule, DesiredStateModule, DeviceInboxModule, DeviceMetricsModule, GroupsModule];

/** The whole gateway: identity (enrollment, broker auth) and the device half, on the shared infrastructure. */
export function gatewayAppModule(config: ServiceConfig): Type {
  @Module({
    imports: [InfrastructureModule.forRoot(config), EnrollmentModule, RenewalModule, DeviceTrustModule, BrokerAuthModule, ...deviceModules],
  })
  class DeviceGatewayModule {}
  return DeviceGatewayModule;
}
