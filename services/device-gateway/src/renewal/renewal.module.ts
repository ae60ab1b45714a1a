import { Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import { CLOCK, NATS, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { DeviceCertificateAuthority } from '../device-ca/device-ca.js';
import { daysOf } from '../device-ca/device-ca.settings.js';
import { Devices } from '../devices/devices.js';
import { EnrollmentModule } from '../enrollment/enrollment.module.js';
import { CertificateRenewal } from './renew-certificate.js';
import { renewalKeyPolicyOf } from './renewal-key-policy.js';
import { RenewController } from './renew.controller.js';

/**
 * Certificate renewal, `POST /v1/renew`. `KEELSON_DEVICE_CERT_GRACE_DAYS` (default 30, fractions
 * allowed): how long after expiry a device that was offline may still renew instead of re-enrolling.
 * `KEELSON_DEVICE_RENEWAL_KEY` (`any` | `rotate`, default `any`): whether a renewal may keep the key.
 */
@Module({
  imports: [EnrollmentModule],
  controllers: [RenewController],
  providers: [
    {
      provide: CertificateRenewal,
      inject: [NATS, SERVICE_CONFIG, CLOCK, DeviceCertificateAuthority],
      useFactory: (nc: NatsConnection, config: ServiceConfig, clock: Clock, ca: DeviceCertificateAuthority) =>
        new CertificateRenewal({
          ca,
          clock,
          graceDays: daysOf(config, 'KEELSON_DEVICE_CERT_GRACE_DAYS', 30, 0, 3650),
          keyPolicy: renewalKeyPolicyOf(config),
          devices: new Devices(
            new EventStore<DeviceEvent>({ nc, naming: config.naming, stream: eventStreams.gateway, parse: parseDeviceEvent }),
          ),
        }),
    },
  ],
})
export class RenewalModule {}
