import { Module } from '@nestjs/common';
import { declareModule } from '@keelson/service-kit';
import { EnrollmentModule } from '../enrollment/enrollment.module.js';
import { DeviceTrustRequests } from './device-trust.controller.js';

const DEVICE_TRUST_DECLARATION = Symbol('DeviceTrustDeclaration');

/** `cmd.gateway.get-device-ca` and `cmd.gateway.get-device-certificate`, for the registry facade's mutual TLS. */
@Module({
  imports: [EnrollmentModule],
  controllers: [DeviceTrustRequests],
  providers: [
    { provide: DEVICE_TRUST_DECLARATION, useValue: declareModule({ module: 'device-trust', requestControllers: [DeviceTrustRequests] }) },
  ],
})
export class DeviceTrustModule {}
