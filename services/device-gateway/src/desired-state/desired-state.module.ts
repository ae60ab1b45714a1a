import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { ReactorRunner } from '@keelson/event-store';
import type { DeviceEvent } from '@keelson/events';
import { NATS, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';
import { DesiredStatePublisher, desiredStatePush } from './desired-state.publisher.js';

/** Follows `DesiredStateChanged` and pushes each new desired state to its device. */
@Injectable()
class DesiredStateRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('desired-state');
  private readonly runner: ReactorRunner<DeviceEvent>;

  constructor(@Inject(NATS) nc: NatsConnection, @Inject(SERVICE_CONFIG) config: ServiceConfig, publisher: DesiredStatePublisher) {
    const log = (what: string) => (err: unknown) => this.logger.error(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    this.runner = new ReactorRunner({ nc, naming: config.naming, reactor: desiredStatePush(publisher), onError: log('push failed'), onPoison: log('unreadable device event') });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }
}

/** Desired state towards devices: `<prefix>keelson.cmd.<deviceId>.desired`. */
@Module({
  providers: [
    DesiredStateRunner,
    {
      provide: DesiredStatePublisher,
      inject: [NATS, SERVICE_CONFIG],
      useFactory: (nc: NatsConnection, config: ServiceConfig) => new DesiredStatePublisher(nc, config.naming.subjectPrefix),
    },
  ],
  exports: [DesiredStatePublisher],
})
export class DesiredStateModule {}
