import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import { declareModule, NATS, SERVICE_CONFIG, type ModuleDeclaration, type ServiceConfig } from '@keelson/service-kit';
import { Devices } from '../devices/devices.js';
import { EnrollmentModule } from '../enrollment/enrollment.module.js';
import { DeviceCertificateAuthority } from './device-ca.js';
import { getDeviceCaHandler, getDeviceCertificateHandler } from './device-trust.handlers.js';

/** Serves what relying parties need to authenticate devices by certificate: the CA and each device's current certificate. */
function deviceTrustDeclaration(nc: NatsConnection, config: ServiceConfig, ca: DeviceCertificateAuthority): ModuleDeclaration {
  const devices = new Devices(new EventStore<DeviceEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseDeviceEvent }));
  return { module: 'device-trust', commands: [getDeviceCaHandler(ca), getDeviceCertificateHandler(devices)] };
}

const DEVICE_TRUST_DECLARATION = Symbol('DeviceTrustDeclaration');

/** `cmd.gateway.get-device-ca` and `cmd.gateway.get-device-certificate`, for the registry facade's mutual TLS. */
@Module({
  imports: [EnrollmentModule],
  providers: [
    {
      provide: DEVICE_TRUST_DECLARATION,
      inject: [NATS, SERVICE_CONFIG, DeviceCertificateAuthority],
      useFactory: (nc: NatsConnection, config: ServiceConfig, ca: DeviceCertificateAuthority) => declareModule(deviceTrustDeclaration(nc, config, ca)),
    },
  ],
})
export class DeviceTrustModule {}
