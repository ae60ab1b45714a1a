import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { freePort } from '../free-port.js';
import { startNatsServer, type RunningNats } from '../nats-server.js';
import { platformServices, type PlatformService } from '../stack/platform-services.js';
import { gatewaySystemUser, serviceNatsUser, serviceNatsUsers } from '../stack/service-permissions.js';

const productionNaming = { streamPrefix: '', subjectPrefix: '' };

// A server of its own: the harness's shared server has one all-powerful user, this one has the platform's.
function natsBinary(): string {
  const binary = process.env.KEELSON_TEST_NATS_BINARY; // set by libs/testing's global setup
  if (!binary) throw new Error('KEELSON_TEST_NATS_BINARY is not set: run this spec in the integration project');
  return binary;
}

/** A nats-server with the platform's service users and the gateway's system-account user, and the orchestrator's stream. */
export class LeastPrivilegeNats {
  readonly dir = mkdtempSync(join(tmpdir(), 'keelson-perm-'));
  readonly kickerPassword = randomBytes(12).toString('hex');
  readonly passwords = Object.fromEntries(platformServices.map((s) => [s, randomBytes(12).toString('hex')])) as Record<
    PlatformService,
    string
  >;
  /** Connections the specs opened: closed by `stop`. */
  readonly open: NatsConnection[] = [];
  private nats?: RunningNats;

  /** Connects as `service`'s user. */
  readonly as = async (service: PlatformService) => {
    const nc = await connect({ servers: this.nats!.url, user: serviceNatsUser(service), pass: this.passwords[service], name: service });
    this.open.push(nc);
    return nc;
  };

  async start(): Promise<RunningNats> {
    const [port, mqttPort, monitorPort] = [await freePort(), await freePort(), await freePort()];
    this.nats = await startNatsServer({
      binary: natsBinary(),
      dir: this.dir,
      serverName: 'perm-spec',
      host: '127.0.0.1',
      port,
      mqttPort,
      monitorPort,
      users: serviceNatsUsers(platformServices, this.passwords, productionNaming),
      systemUser: { user: 'sys', password: randomBytes(12).toString('hex') },
      systemUsers: [gatewaySystemUser(this.kickerPassword)],
    });
    const orchestrator = await this.as('rollout-orchestrator');
    await (
      await jetstreamManager(orchestrator)
    ).streams.add({
      name: 'EV_ROLLOUTS',
      subjects: ['ev.rollout.>', 'ev.channel.>', 'ev.experiment.>'],
      allow_direct: true,
      allow_atomic: true,
    });
    return this.nats;
  }

  async stop(): Promise<void> {
    for (const nc of this.open) await nc.close();
    await this.nats?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
