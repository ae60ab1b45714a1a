import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { ReactorRunner } from '@keelson/event-store';
import { CLOCK, NATS, numberSetting, SERVICE_CONFIG, type Clock, type ServiceConfig } from '@keelson/service-kit';
import { SystemConnection, SystemConnectionModule } from '../broker-auth/system-connection.module.js';
import { DesiredStateModule } from '../desired-state/desired-state.module.js';
import { DesiredStatePublisher } from '../desired-state/desired-state.publisher.js';
import { DeviceDirectory } from '../devices/device-directory.js';
import { DevicePresenceStore } from '../devices/device-presence.store.js';
import { Devices } from '../devices/devices.js';
import { DevicesModule } from '../devices/devices.module.js';
import { DeviceInboxHandler } from './device-inbox.handler.js';
import { droppedDeviceMessages } from './device-inbox.metrics.js';
import { applyDeviceInbox } from './device-inbox.stream.js';
import { BrokerPresence } from './broker-presence.js';
import { dropReason } from './device-message.check.js';
import { HeartbeatListener } from './heartbeat-listener.js';
import { ProgressRelay } from './progress-relay.js';
import { ReachabilityWatch } from './reachability-watch.js';

/** `KEELSON_DEVICE_OFFLINE_SECONDS` (default 90): silence after which a device counts as unreachable. */
export function offlineSecondsOf(config: ServiceConfig): number {
  return numberSetting(config, 'KEELSON_DEVICE_OFFLINE_SECONDS', { default: 90, min: 1, max: 86_400 });
}

/** Runs the inbox consumer, the heartbeat and progress subscriptions and the offline sweep for the app's lifetime. */
@Injectable()
class DeviceInboxRunner implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('device-inbox');
  private readonly watch: ReachabilityWatch;
  private readonly inbox: ReactorRunner<unknown>;
  private readonly heartbeats: HeartbeatListener;
  private readonly progress: ProgressRelay;
  private broker: BrokerPresence | undefined;

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    devices: Devices,
    directory: DeviceDirectory,
    presence: DevicePresenceStore,
    desired: DesiredStatePublisher,
    private readonly system: SystemConnection,
  ) {
    const onError = (err: unknown) => this.logger.error(`device inbox: ${err instanceof Error ? err.message : String(err)}`);
    const subjectPrefix = config.naming.subjectPrefix;
    this.watch = new ReachabilityWatch({ devices, presence, clock, offlineSeconds: offlineSecondsOf(config), onError });
    const handler = new DeviceInboxHandler({ subjectPrefix, devices, directory, presence, watch: this.watch, desired });
    const dropped = droppedDeviceMessages();
    this.inbox = new ReactorRunner({
      nc, naming: config.naming, reactor: handler.reactor(), onError,
      // One device's messages in order, different devices at once (`keelson.dev.<device>.<topic>`).
      partitionBy: (m) => m.subject.slice(0, m.subject.lastIndexOf('.')),
      onPoison: (err) => dropped.inc({ reason: dropReason(err) }), // never logged whole: it is the device's input
    });
    this.heartbeats = new HeartbeatListener({ nc, subjectPrefix, directory, watch: this.watch, clock, onError });
    this.progress = new ProgressRelay({ nc, subjectPrefix, directory, devices, watch: this.watch, clock, onError });
  }

  async onModuleInit(): Promise<void> {
    await applyDeviceInbox(await jetstreamManager(this.nc), this.config.naming);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Presence from the broker: who is connected, who just left. Without a system-account user an idle
    // device is heard only through its (rare) heartbeats.
    const system = await this.system.get();
    if (system) {
      const broker = new BrokerPresence({ system });
      broker.onDisconnect((deviceId) => this.watch.disconnected(deviceId, this.clock.now()));
      this.broker = broker;
    } else {
      this.logger.warn('no KEELSON_NATS_SYSTEM_USER: an idle device counts as heard only when it heartbeats');
    }
    await this.watch.start(this.broker);
    await this.inbox.start();
    this.heartbeats.start();
    this.progress.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.progress.stop();
    await this.heartbeats.stop();
    await this.inbox.stop();
    await this.watch.stop();
    await this.broker?.stop();
  }
}

/** What devices publish: hello and report through the DEVICE_INBOX stream, heartbeats and steps live. */
@Module({ imports: [DevicesModule, DesiredStateModule, SystemConnectionModule], providers: [DeviceInboxRunner] })
export class DeviceInboxModule {}
