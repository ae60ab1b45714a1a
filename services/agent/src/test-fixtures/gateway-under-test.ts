import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAccount } from '@nats-io/nkeys';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { gateway, signer } from '@keelson/requests';
import type { Assignment, DeviceReportedProgress, Probe } from '@keelson/events';
import { ensureLocalTls, freePort, launchService, startNatsServer, type RunningNats, type RunningService } from '@keelson/local-infra';
import { sendRequest, handlerFor, serveRequests } from '@keelson/service-kit';
import { createTestDatabase, eventually, testEnv, testNamespace, type TestDatabase } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import { consumerStates, mqttConsumerFilters, recordGateway } from './gateway-records.js';
import { issuedBy, startFakeFacade, type DeviceOfCertificate, type FakeFacade } from './fake-facade.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/**
 * The platform side an agent talks to, for agent e2e specs: a nats-server with MQTT and the auth
 * callout, the real device-gateway process (services/device-gateway/dist/main.js), a stand-in for
 * the signer answering `get-root` with a real TUF root, and a facade serving that repository to
 * devices whose certificates the real gateway vouches for (`get-device-ca`, `get-device-certificate`).
 * Gateway and facade speak HTTPS from one local CA, which devices pin (`caFingerprint`) at enrollment.
 */
export interface GatewayUnderTest {
  fleet: string;
  gatewayUrl: string;
  readonly nats: RunningNats;
  nc: NatsConnection;
  /** Stops the nats-server (and its MQTT listener) and starts it again on the same ports and store. */
  restartBroker(): Promise<void>;
  repo: KeyedRepository;
  facade: FakeFacade;
  /** The platform CA's pin, as the operator API hands it out with a token. */
  caFingerprint: string;
  mintToken(): Promise<{ token: string; gatewayUrl: string; caFingerprint: string }>;
  assign(deviceId: string, assignment: Assignment): Promise<void>;
  reportsOf(deviceId: string): Promise<DeviceReportedProgress['data'][]>;
  /** The states the gateway recorded for one assignment, in order. */
  statesOf(deviceId: string, assignmentId: string): Promise<string[]>;
  /** What the gateway's device view says the device runs. */
  installedOf(deviceId: string): Promise<{ name: string; version: string }[]>;
  /** The steps the gateway relayed live (never stored) for one assignment, in order. */
  liveStepsOf(deviceId: string, assignmentId: string): string[];
  /**
   * Waits until the gateway recorded a terminal state for the assignment; if it never comes, fails
   * with the states so far, `trail` (e.g. the agent's log) and the end of the gateway's log.
   */
  untilTerminal(deviceId: string, assignmentId: string, trail?: string[]): Promise<void>;
  /** Publishes `model/yolo/<version>/model.onnx` holding `model <version>`. */
  publishModel(version: string): { targetPath: string; sha256: string; length: number };
  /** The subjects of the JetStream consumers nats-server keeps for MQTT subscriptions (QoS 1 and 2 only). */
  mqttConsumerFilters(): Promise<string[]>;
  stop(): Promise<void>;
}

/** `gatewayEnv`: more settings for the gateway process (e.g. short-lived certificates). */
export async function startGatewayUnderTest(fleet = 'plant-7', gatewayEnv: Record<string, string> = {}): Promise<GatewayUnderTest> {
  const naming = testNamespace();
  const dir = mkdtempSync(join(tmpdir(), 'keelson-agent-e2e-'));
  const issuer = createAccount();
  const servicesUser = 'keelson-services';
  const servicesPassword = randomBytes(16).toString('hex');
  const [port, mqttPort, monitorPort, httpPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const natsOptions = {
    binary: testEnv().natsBinary,
    dir: join(dir, 'nats'),
    serverName: `agent-${randomBytes(3).toString('hex')}`,
    host: '127.0.0.1',
    port,
    mqttPort,
    monitorPort,
    users: [{ user: servicesUser, password: servicesPassword }],
    systemUser: { user: 'keelson-system', password: randomBytes(16).toString('hex') },
    authCallout: { issuerPublicKey: issuer.getPublicKey(), authUsers: [servicesUser] },
  };
  let nats = await startNatsServer(natsOptions);
  const nc = await connect({
    servers: nats.url,
    user: servicesUser,
    pass: servicesPassword,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  });
  const repo = new KeyedRepository({ rootKeys: 1 });
  const getRoot = handlerFor(signer.getRoot, async () => ({ version: 1, development: true, root: repo.rootDocument() }));
  const subscriptions: Subscription[] = serveRequests(nc, naming, [getRoot]);
  const tls = await ensureLocalTls(join(dir, 'tls'));
  // What the registry facade checks: the fleet's device CA, then whether this is the device's current certificate.
  const deviceOf: DeviceOfCertificate = async (cert) => {
    const ca = await sendRequest(nc, naming, gateway.getDeviceCa, { fleet }).catch(() => null);
    const deviceId = ca && cert ? await issuedBy(ca.certificates, fleet)(cert) : null;
    if (!deviceId || !cert) return null;
    const current = await sendRequest(nc, naming, gateway.getDeviceCertificate, { fleet, deviceId }).catch(() => null);
    const fingerprint = cert.fingerprint256.replaceAll(':', '').toLowerCase();
    return current?.status === 'active' && current.certificateFingerprint === fingerprint ? deviceId : null;
  };
  const facade = await startFakeFacade(fleet, repo, deviceOf, tls);
  const db: TestDatabase = await createTestDatabase();
  let service: RunningService;
  try {
    service = await launchService({
      name: 'device-gateway',
      entry: join(repoRoot, 'services', 'device-gateway', 'dist', 'main.js'),
      logFile: join(dir, 'device-gateway.log'),
      env: {
        PATH: process.env.PATH,
        KEELSON_NATS_URL: nats.url,
        KEELSON_NATS_USER: servicesUser,
        KEELSON_NATS_PASSWORD: servicesPassword,
        KEELSON_DATABASE_URL: db.url,
        KEELSON_DATA_DIR: join(dir, 'gateway'),
        KEELSON_HTTP_HOST: '127.0.0.1',
        KEELSON_HTTP_PORT: String(httpPort),
        KEELSON_STREAM_PREFIX: naming.streamPrefix,
        KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
        KEELSON_MQTT_URL: nats.mqttUrl,
        KEELSON_FACADE_URL: facade.url,
        KEELSON_AUTH_CALLOUT_SEED: new TextDecoder().decode(issuer.getSeed()),
        KEELSON_INTERNAL_TOKEN: randomBytes(16).toString('hex'),
        KEELSON_TLS_CERT_FILE: tls.certFile,
        KEELSON_TLS_KEY_FILE: tls.keyFile,
        ...gatewayEnv,
      },
    });
  } catch (err) {
    await facade.close();
    await nc.close();
    await nats.stop();
    await db.drop();
    throw err;
  }
  const gatewayUrl = `https://127.0.0.1:${httpPort}`;
  const { desiredSent, reportsOf, statesOf, liveStepsOf } = recordGateway(nc, naming, fleet, subscriptions);
  return {
    fleet,
    gatewayUrl,
    nc,
    repo,
    facade,
    caFingerprint: tls.caFingerprint,
    get nats() {
      return nats;
    },
    async restartBroker() {
      await nats.stop();
      nats = await startNatsServer(natsOptions);
    },
    mintToken: async () => ({
      token: (await sendRequest(nc, naming, gateway.issueEnrollmentToken, { fleet })).token,
      gatewayUrl,
      caFingerprint: tls.caFingerprint,
    }),
    assign: async (deviceId, assignment) => void (await sendRequest(nc, naming, gateway.assignDevice, { fleet, deviceId, assignment })),
    reportsOf,
    statesOf,
    installedOf: async (deviceId) => (await sendRequest(nc, naming, gateway.getDevice, { fleet, deviceId })).installed,
    liveStepsOf,
    untilTerminal: (deviceId, assignmentId, trail = []) =>
      eventually(async () => (await statesOf(deviceId, assignmentId)).some((s) => ['healthy', 'rolled_back', 'failed'].includes(s))).then(
        () => undefined,
        async (err: Error) => {
          const gatewayLog = readFileSync(join(dir, 'device-gateway.log'), 'utf8').split('\n').slice(-40).join('\n');
          const states = await statesOf(deviceId, assignmentId).catch((e: Error) => [`(unreadable: ${e.message})`]);
          const consumers = await consumerStates(nc, naming.streamPrefix).catch((e: Error) => [`(unreadable: ${e.message})`]);
          throw new Error(
            `${assignmentId} on ${deviceId}: ${err.message}; states so far ${JSON.stringify(states)}\n-- desired states sent:\n${desiredSent.join('\n')}\n-- consumers:\n${consumers.join('\n')}\n-- trail:\n${trail.join('\n')}\n-- gateway log:\n${gatewayLog}`,
          );
        },
      ),
    publishModel: (version) => repo.publish(`model/yolo/${version}/model.onnx`, Buffer.from(`model ${version}`)),
    mqttConsumerFilters: () => mqttConsumerFilters(nc),
    async stop() {
      await service.stop();
      await Promise.all(subscriptions.map((s) => s.drain()));
      await facade.close();
      await nc.close();
      await nats.stop();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An install of a published `yolo` target with `probe`. */
export function installOf(
  assignmentId: string,
  published: { targetPath: string; sha256: string; length: number },
  probe: Probe,
): Assignment {
  return {
    assignmentId,
    rolloutId: `r-${assignmentId}`,
    action: 'install',
    probe,
    artifact: { name: 'yolo', version: published.targetPath.split('/')[2]!, kind: 'model', ...published },
  };
}
