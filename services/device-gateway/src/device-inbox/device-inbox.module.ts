import { Logger, Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  CLOCK,
  declareModule,
  describeError,
  NATS,
  numberSetting,
  SERVICE_CONFIG,
  type Clock,
  type ModuleDeclaration,
  type ServiceConfig,
  type DeclaredWorker,
} from '@keelson/service-kit';
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

interface DeviceInboxParts {
  nc: NatsConnection;
  config: ServiceConfig;
  clock: Clock;
  devices: Devices;
  directory: DeviceDirectory;
  presence: DevicePresenceStore;
  desired: DesiredStatePublisher;
  system: SystemConnection;
}

/** The inbox stream, then the reachability watch, the inbox consumer and the heartbeat and progress subscriptions (stopped in reverse). */
function deviceInboxDeclaration({ nc, config, clock, devices, directory, presence, desired, system }: DeviceInboxParts): ModuleDeclaration {
  const logger = new Logger('device-inbox');
  const onError = (err: unknown) => logger.error(`device inbox: ${describeError(err)}`);
  const subjectPrefix = config.naming.subjectPrefix;
  const watch = new ReachabilityWatch({ devices, presence, clock, offlineSeconds: offlineSecondsOf(config), onError });
  const handler = new DeviceInboxHandler({ subjectPrefix, devices, directory, presence, watch, desired });
  const dropped = droppedDeviceMessages();
  const heartbeats = new HeartbeatListener({ nc, subjectPrefix, directory, watch, clock, onError });
  const progress = new ProgressRelay({ nc, subjectPrefix, directory, devices, watch, clock, onError });
  let broker: BrokerPresence | undefined;
  // In every replica: each keeps the last-seen times it heard, and asks the read model before calling a device silent.
  const reachability: DeclaredWorker = {
    name: 'reachability watch',
    replicas: 'every-replica',
    start: async () => {
      // Presence from the broker: who is connected, who just left. Without a system-account user an idle
      // device is heard only through its (rare) heartbeats.
      const connection = await system.get();
      if (connection) {
        broker = new BrokerPresence({ system: connection });
        broker.onDisconnect((deviceId) => watch.disconnected(deviceId, clock.now()));
      } else {
        logger.warn('no KEELSON_NATS_SYSTEM_USER: an idle device counts as heard only when it heartbeats');
      }
      await watch.start(broker);
    },
    stop: async () => {
      await watch.stop();
      await broker?.stop();
    },
  };
  return {
    module: 'device-inbox',
    applyOtherStreams: (jsm, replicas) => applyDeviceInbox(jsm, config.naming, replicas),
    reactors: [
      reachability,
      {
        name: 'device inbox',
        reactor: handler.reactor(),
        // One device's messages in order, different devices at once (`keelson.dev.<device>.<topic>`).
        partitionBy: (m) => m.subject.slice(0, m.subject.lastIndexOf('.')),
        onPoison: (err) => dropped.inc({ reason: dropReason(err) }), // never logged whole: it is the device's input
      },
      { name: 'heartbeats', replicas: 'every-replica', start: () => heartbeats.start(), stop: () => heartbeats.stop() }, // feeds this replica's watch
      { name: 'progress', replicas: 'partitioned', start: () => progress.start(), stop: () => progress.stop() }, // a queue group
    ],
  };
}

const DEVICE_INBOX_DECLARATION = Symbol('DeviceInboxDeclaration');

/** What devices publish: hello and report through the DEVICE_INBOX stream, heartbeats and steps live. */
@Module({
  imports: [DevicesModule, DesiredStateModule, SystemConnectionModule],
  providers: [
    {
      provide: DEVICE_INBOX_DECLARATION,
      inject: [NATS, SERVICE_CONFIG, CLOCK, Devices, DeviceDirectory, DevicePresenceStore, DesiredStatePublisher, SystemConnection],
      useFactory: (
        nc: NatsConnection,
        config: ServiceConfig,
        clock: Clock,
        devices: Devices,
        directory: DeviceDirectory,
        presence: DevicePresenceStore,
        desired: DesiredStatePublisher,
        system: SystemConnection,
      ) => declareModule(deviceInboxDeclaration({ nc, config, clock, devices, directory, presence, desired, system })),
    },
  ],
})
export class DeviceInboxModule {}
