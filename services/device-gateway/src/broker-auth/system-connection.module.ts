import { Inject, Injectable, Module } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, declareModule, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';

/**
 * The gateway's one connection as a user of the server's system account
 * (`KEELSON_NATS_SYSTEM_USER` / `KEELSON_NATS_SYSTEM_PASSWORD`), the only kind that may close another
 * client's connection, list connections and hear disconnects. Broker auth kicks decommissioned devices
 * with it; the device inbox asks it who is connected. Without the user, `get()` is null: a decommissioned
 * device's live connection lasts until its session ends (`KEELSON_DEVICE_SESSION_SECONDS`), and an idle
 * device counts as heard only when it heartbeats.
 */
@Injectable()
export class SystemConnection {
  private connecting: Promise<NatsConnection | null> | undefined;

  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  /** The connection, shared by every caller; opened by the `ServiceRunner` before any runner starts. */
  get(): Promise<NatsConnection | null> {
    this.connecting ??= this.connect();
    return this.connecting;
  }

  /** Closes it; the `ServiceRunner` calls this once every runner that used it has stopped. */
  async close(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = undefined;
    const nc = await connecting?.catch(() => null);
    await nc?.close();
  }

  private async connect(): Promise<NatsConnection | null> {
    const user = this.config.env.KEELSON_NATS_SYSTEM_USER;
    const pass = this.config.env.KEELSON_NATS_SYSTEM_PASSWORD;
    if (!user || !pass) return null;
    return connectNats({ servers: this.config.natsServers, user, pass, name: `${this.config.service}-system`, maxReconnectAttempts: -1 });
  }
}

const SYSTEM_CONNECTION_DECLARATION = Symbol('SystemConnectionDeclaration');

/** Declares the system-account connection to the `ServiceRunner`: open before the runners start, closed after they stop. */
@Module({
  providers: [
    SystemConnection,
    {
      provide: SYSTEM_CONNECTION_DECLARATION,
      inject: [SystemConnection],
      useFactory: (system: SystemConnection) =>
        declareModule({
          module: 'system connection',
          connections: [{ name: 'system-account connection', start: async () => void (await system.get()), stop: () => system.close() }],
        }),
    },
  ],
  exports: [SystemConnection],
})
export class SystemConnectionModule {}
