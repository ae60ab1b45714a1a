import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import {
  liveProgressSubject,
  parseDeviceEvent,
  parseRolloutEvent,
  type DeviceEvent,
  type DeviceState,
  type RolloutEvent,
  type StepDeviceState,
} from '@keelson/events';
import { loadServiceConfig, serveRequests } from '@keelson/service-kit';
import { connectTestNats, createTestDatabase, TestClock, testEnv, testNamespace, type TestNamespace } from '@keelson/testing';
import { createApiApp } from '../api-app.js';
import { FacadeStandIn } from './facade-stand-in.js';
import { FakeAudit } from './fake-audit.js';
import { FakeGateway } from './fake-gateway.js';
import { FakeOrchestrator } from './fake-orchestrator.js';
import { FakeRegistry } from './fake-registry.js';

/** The api app on a free port, with the other services answering over real NATS and a facade stand-in. */
export interface ApiTestApp {
  app: INestApplication;
  url: string;
  adminToken: string;
  internalToken: string;
  gatewayUrl: string;
  naming: TestNamespace;
  nc: NatsConnection;
  gateway: FakeGateway;
  registry: FakeRegistry;
  orchestrator: FakeOrchestrator;
  audit: FakeAudit;
  facade: FacadeStandIn;
  /** The api's clock (its `CLOCK`): the system clock until a spec sets it; kept across `restart`. */
  clock: TestClock;
  /** Stops the api and starts it again on the same streams and database, with `env` changed (e.g. a new KEELSON_ADMIN_TOKEN). */
  restart(env: Record<string, string>): Promise<void>;
  /** Appends a device's progress report to EV_DEVICES, as the gateway does. */
  report(fleet: string, deviceId: string, rolloutId: string, state: DeviceState, reason?: string): Promise<void>;
  /** Relays a step a device entered, live, as the gateway does (`live.device-progress.<fleet>.<rollout>`). */
  step(fleet: string, deviceId: string, rolloutId: string, state: StepDeviceState): Promise<void>;
  close(): Promise<void>;
}

export async function startApiApp(env: Record<string, string> = {}): Promise<ApiTestApp> {
  const naming = testNamespace();
  const nc = await connectTestNats('api-test-services');
  await applyStreams(await jetstreamManager(nc), naming, [eventStreams.orchestrator, eventStreams.gateway]);
  const adminToken = `kadm_${randomBytes(24).toString('base64url')}`;
  const internalToken = `kint_${randomBytes(24).toString('base64url')}`;
  const gatewayUrl = 'https://gateway.example.test:8443';
  const gateway = new FakeGateway();
  const registry = new FakeRegistry();
  const audit = new FakeAudit();
  const rolloutStore = new EventStore<RolloutEvent>({ nc, naming, stream: eventStreams.orchestrator, parse: parseRolloutEvent });
  const deviceStore = new EventStore<DeviceEvent>({ nc, naming, stream: eventStreams.gateway, parse: parseDeviceEvent });
  const orchestrator = new FakeOrchestrator(rolloutStore, registry, gateway);
  const subs: Subscription[] = serveRequests(nc, naming, [
    ...gateway.handlers(),
    ...registry.handlers(),
    ...orchestrator.handlers(),
    ...audit.handlers(),
  ]);
  await nc.flush();
  const facade = new FacadeStandIn(internalToken, registry);
  const facadeUrl = await facade.start();

  const db = await createTestDatabase(); // API tokens and the admin credential's fingerprint
  const { natsUrl, natsUser, natsPass } = testEnv();
  const configOf = (more: Record<string, string>) =>
    loadServiceConfig('api', {
      KEELSON_NATS_URL: natsUrl,
      KEELSON_NATS_USER: natsUser,
      KEELSON_NATS_PASSWORD: natsPass,
      KEELSON_STREAM_PREFIX: naming.streamPrefix,
      KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
      KEELSON_INTERNAL_TOKEN: internalToken,
      KEELSON_ADMIN_TOKEN: adminToken,
      KEELSON_FACADE_URL: facadeUrl,
      KEELSON_GATEWAY_URL: gatewayUrl,
      KEELSON_DATABASE_URL: db.url,
      ...more,
    });
  const clock = new TestClock();
  const listen = async (config: ReturnType<typeof configOf>) => {
    const app: INestApplication = await createApiApp(config, { clock });
    await app.listen(0, '127.0.0.1');
    return { app, url: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
  };
  let current = env;

  const harness: ApiTestApp = {
    ...(await listen(configOf(env))),
    adminToken: env.KEELSON_ADMIN_TOKEN ?? adminToken,
    internalToken,
    gatewayUrl,
    naming,
    nc,
    gateway,
    registry,
    orchestrator,
    audit,
    facade,
    clock,
    async restart(changed) {
      await harness.app.close();
      current = { ...current, ...changed };
      Object.assign(harness, await listen(configOf(current)), { adminToken: current.KEELSON_ADMIN_TOKEN ?? adminToken });
    },
    async report(fleet, deviceId, rolloutId, state, reason) {
      const subject = deviceStore.subject('device', fleet, deviceId);
      const { lastSeq } = await deviceStore.load(subject);
      const data = {
        fleet,
        deviceId,
        assignmentId: `${rolloutId}-${deviceId}`,
        rolloutId,
        state,
        reportedAt: new Date().toISOString(),
        ...(reason ? { reason } : {}),
      };
      await deviceStore.append(subject, lastSeq, [{ type: 'DeviceReportedProgress', schemaVersion: 2, data }], {
        actor: { kind: 'device', id: deviceId },
        correlationId: 'report',
        commandId: randomUUID(),
      });
    },
    async step(fleet, deviceId, rolloutId, state) {
      const data = { fleet, deviceId, assignmentId: `${rolloutId}-${deviceId}`, rolloutId, state, reportedAt: new Date().toISOString() };
      nc.publish(
        liveProgressSubject(naming.subjectPrefix, fleet, rolloutId),
        JSON.stringify({ type: 'LiveDeviceProgress', schemaVersion: 1, data }),
      );
      await nc.flush();
    },
    async close() {
      await harness.app.close();
      for (const s of subs) s.unsubscribe();
      await facade.stop();
      await nc.close();
      await db.drop();
    },
  };
  return harness;
}
