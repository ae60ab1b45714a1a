import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, SERVICE_CONFIG, type ServiceConfig } from '@keelson/service-kit';

/**
 * The gateway's one connection as a user of the server's system account
 * (`KEELSON_NATS_SYSTEM_USER` / `KEELSON_NATS_SYSTEM_PASSWORD`), the only kind that may close another
 * client's connection, list connections and hear disconnects. Broker auth kicks decommissioned devices
 * with it; the device inbox asks it who is connected. Without the user, `get()` is null: a decommissioned
 * device's live connection lasts until its session ends (`KEELSON_DEVICE_SESSION_SECONDS`), and an idle
 * device counts as heard only when it heartbeats.
 */
@Injectable()
export class SystemConnection implements OnApplicationShutdown {
  private connecting: Promise<NatsConnection | null> | undefined;

  constructor(@Inject(SERVICE_CONFIG) private readonly config: ServiceConfig) {}

  /** Opened on first use, shared by every caller; closed after every runner has stopped. */
  get(): Promise<NatsConnection | null> {
    this.connecting ??= this.connect();
    return this.connecting;
  }

  private async connect(): Promise<NatsConnection | null> {
    const user = this.config.env.KEELSON_NATS_SYSTEM_USER;
    const pass = this.config.env.KEELSON_NATS_SYSTEM_PASSWORD;
    if (!user || !pass) return null;
    return connectNats({ servers: this.config.natsServers, user, pass, name: `${this.config.service}-system`, maxReconnectAttempts: -1 });
  }

  async onApplicationShutdown(): Promise<void> {
    const nc = await this.connecting?.catch(() => null);
    await nc?.close();
  }
}

@Module({ providers: [SystemConnection], exports: [SystemConnection] })
export class SystemConnectionModule {}
