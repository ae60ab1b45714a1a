import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseDeviceEvent, type DeviceEvent } from '@keelson/events';
import { NATS, SERVICE_CONFIG, serveCommands, type ServiceConfig } from '@keelson/service-kit';
import { Devices } from '../devices/devices.js';
import { EnrollmentModule } from '../enrollment/enrollment.module.js';
import { DeviceCertificateAuthority } from './device-ca.js';
import { getDeviceCaHandler, getDeviceCertificateHandler } from './device-trust.handlers.js';

/** Serves what relying parties need to authenticate devices by certificate: the CA and each device's current certificate. */
@Injectable()
class DeviceTrustServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('device-trust');
  private subscriptions: Subscription[] = [];

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(DeviceCertificateAuthority) private readonly ca: DeviceCertificateAuthority,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const devices = new Devices(new EventStore<DeviceEvent>({ nc: this.nc, naming: this.config.naming, stream: eventStreams.gateway, parse: parseDeviceEvent }));
    this.subscriptions = serveCommands(this.nc, this.config.naming, [getDeviceCaHandler(this.ca), getDeviceCertificateHandler(devices)], {
      onError: (err, subject) => this.logger.error(`${subject}: ${err instanceof Error ? err.message : String(err)}`),
    });
    await this.nc.flush(); // the subscriptions are registered before the service says it is listening
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.subscriptions.map((s) => s.drain()));
  }
}

/** `cmd.gateway.get-device-ca` and `cmd.gateway.get-device-certificate`, for the registry facade's mutual TLS. */
@Module({ imports: [EnrollmentModule], providers: [DeviceTrustServer] })
export class DeviceTrustModule {}
