import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount } from '@nats-io/nkeys';
import { freePort, startNatsServer, type RunningNats } from '@keelson/local-infra';
import { testEnv } from '@keelson/testing';

/** A nats-server of one's own whose devices are authenticated by an auth callout, as in production. */
export interface CalloutNats {
  nats: RunningNats;
  servicesUser: string;
  servicesPassword: string;
  /** nkey seed the gateway signs answers with (`KEELSON_AUTH_CALLOUT_SEED`). */
  issuerSeed: string;
  issuerPublicKey: string;
  /** The system account's user: what the gateway kicks connections with (`KEELSON_NATS_SYSTEM_USER`/`_PASSWORD`). */
  systemUser: string;
  systemPassword: string;
  stop(): Promise<void>;
}

/** Starts the pinned nats-server with JetStream, MQTT and an auth callout on free ports. */
export async function startCalloutNats(): Promise<CalloutNats> {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-callout-'));
  const issuer = createAccount();
  const servicesUser = 'keelson-services';
  const servicesPassword = randomBytes(16).toString('hex');
  const systemPassword = randomBytes(16).toString('hex');
  const [port, mqttPort, monitorPort] = [await freePort(), await freePort(), await freePort()];
  const nats = await startNatsServer({
    binary: testEnv().natsBinary,
    dir,
    serverName: `callout-${randomBytes(3).toString('hex')}`,
    host: '127.0.0.1',
    port,
    mqttPort,
    monitorPort,
    users: [{ user: servicesUser, password: servicesPassword }],
    systemUser: { user: 'keelson-system', password: systemPassword },
    authCallout: { issuerPublicKey: issuer.getPublicKey(), authUsers: [servicesUser] },
  });
  return {
    nats,
    servicesUser,
    servicesPassword,
    systemUser: 'keelson-system',
    systemPassword,
    issuerSeed: new TextDecoder().decode(issuer.getSeed()),
    issuerPublicKey: issuer.getPublicKey(),
    async stop() {
      await nats.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
