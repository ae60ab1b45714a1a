import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { Subscription } from '@nats-io/transport-node';
import { NotFound, RuleViolation } from '@keelson/domain-kit';
import { gateway, registry, type RequestContract, type RequestInput, type RequestOutput } from '@keelson/requests';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseRolloutEvent, type ArtifactRef, type Assignment, type DeviceState, type RolloutEvent } from '@keelson/events';
import { sendRequest, createServiceApp, handlerFor, loadServiceConfig, serveRequests, type ServiceConfig } from '@keelson/service-kit';
import { createTestDatabase, eventually, testEnv, type TestDatabase } from '@keelson/testing';
// The gateway's real device half (assign, desired state, groups, device reports) stands in for the
// gateway: its own test fixture, shared on purpose instead of a hand-written fake of the gateway.
import { startDeviceHalf, type DeviceHalfApp } from '@keelson/device-gateway/testing';
import { orchestratorAppModule } from '../app.module.js';

export const fleet = 'plant-7';

/** A published artifact the registry responder knows; `unpublished` is received but not yet signed. */
export const artifactRef = (name: string, version = '2.1.0'): ArtifactRef => ({
  name,
  version,
  kind: 'model',
  targetPath: `model/${name}/${version}/model.onnx`,
  sha256: 'e'.repeat(64),
  length: 4096,
});

/** Models named `orin-*` need a Jetson Orin with 8 GB; every other artifact fits any device. */
export const orinNeeds = { accelerator: 'jetson-orin', minMemoryMb: 8000 };

function artifactView(fleet: string, name: string, version: string): registry.ArtifactView {
  const ref = artifactRef(name, version);
  const hardware = name.startsWith('orin-') ? orinNeeds : {};
  return {
    fleet,
    artifactId: `a-${name}`,
    name,
    version,
    kind: 'model',
    status: 'published',
    sha256: ref.sha256,
    length: ref.length,
    targetPath: ref.targetPath,
    manifest: {
      kind: 'model',
      framework: 'onnx',
      inputs: [{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }],
      metrics: {},
      hardware,
    },
    receivedAt: '2026-11-23T08:00:00.000Z',
    publishedAt: '2026-11-23T08:00:01.000Z',
  };
}

/**
 * The orchestrator app against the run's NATS and its own database, with the real device half of
 * the gateway (assign, desired state, groups, device reports) and a tiny registry responder that
 * resolves any artifact except `missing` (NotFound) and `unsigned` (not published).
 */
export interface OrchestratorHarness {
  gw: DeviceHalfApp;
  app: INestApplication;
  rollouts: EventStore<RolloutEvent>;
  /** Sends a command as the operator would (through the api). */
  call<C extends RequestContract>(contract: C, input: RequestInput<C>): Promise<RequestOutput<C>>;
  /** Enrolls devices `<prefix>-00..` and makes a group of them; returns the group id and the device ids. */
  deviceGroup(name: string, count: number): Promise<{ groupId: string; deviceIds: string[] }>;
  /** Publishes a device report on the device's MQTT topic, as the broker delivers it to the gateway. */
  report(deviceId: string, rolloutId: string, state: DeviceState, assignmentId?: string): void;
  /** Appends `DeviceDecommissioned`, as the gateway does when an operator retires a device. */
  decommission(deviceId: string): Promise<void>;
  /** Every assignment the gateway appended to the device's desired state for a rollout, one per append (a repeated append shows twice). */
  assignmentsOf(deviceId: string, rolloutId: string): Promise<Assignment[]>;
  rolloutEvents(rolloutId: string): Promise<RolloutEvent[]>;
  streamMessages(): Promise<number>;
  /** Stops the orchestrator app (its consumers keep their positions) and starts a new one. */
  stop(): Promise<void>;
  start(): Promise<void>;
  config: ServiceConfig;
  close(): Promise<void>;
}

async function startApp(config: ServiceConfig): Promise<INestApplication> {
  const app = await createServiceApp(orchestratorAppModule(config), config);
  await app.init();
  return app;
}

export async function startOrchestrator(): Promise<OrchestratorHarness> {
  const gw = await startDeviceHalf();
  const { nc, naming } = gw;
  const registryResponder: Subscription[] = serveRequests(nc, naming, [
    handlerFor(registry.resolveArtifact, async ({ name, version }) => {
      if (name === 'missing') throw new NotFound('artifact', `${name}@${version}`);
      if (name === 'unsigned') throw new RuleViolation('artifact.not-published', `${name}@${version} is not signed yet`);
      return artifactRef(name, version);
    }),
    handlerFor(registry.getArtifact, async ({ fleet: f, name, version }) => artifactView(f, name, version)),
  ]);
  const testDb: TestDatabase = await createTestDatabase();
  const { natsUrl, natsUser, natsPass } = testEnv();
  const config = loadServiceConfig('rollout-orchestrator', {
    KEELSON_NATS_URL: natsUrl,
    KEELSON_NATS_USER: natsUser,
    KEELSON_NATS_PASSWORD: natsPass,
    KEELSON_DATABASE_URL: testDb.url,
    KEELSON_STREAM_PREFIX: naming.streamPrefix,
    KEELSON_SUBJECT_PREFIX: naming.subjectPrefix,
  });
  const rollouts = new EventStore<RolloutEvent>({ nc, naming, stream: eventStreams.orchestrator, parse: parseRolloutEvent });
  const operator = { actor: { kind: 'operator', id: 'admin' } as const, commandId: '', correlationId: 'spec' };
  let n = 0;
  const harness: OrchestratorHarness = {
    gw,
    rollouts,
    app: await startApp(config),
    call: (contract, input) =>
      sendRequest(nc, naming, contract, input, { ...operator, commandId: `spec-${++n}-${Date.now()}` }, { timeoutMs: 10_000 }),
    async deviceGroup(name, count) {
      const deviceIds = Array.from({ length: count }, (_, i) => `d-${name}-${String(i).padStart(2, '0')}`);
      for (const id of deviceIds) await gw.enroll(fleet, id, id);
      // groups resolve names through the gateway's devices read model: wait until it has them all
      const visible = async () =>
        (await sendRequest(nc, naming, gateway.listDevices, { fleet, limit: 1000 })).items.filter((d) => deviceIds.includes(d.deviceId))
          .length;
      await eventually(async () => (await visible()) === count);
      const group = await sendRequest(nc, naming, gateway.createGroup, { fleet, name, deviceNames: deviceIds });
      return { groupId: group.groupId, deviceIds };
    },
    report(deviceId, rolloutId, state, assignmentId = `${rolloutId}-${deviceId}`) {
      const message = {
        type: 'DeviceReport',
        schemaVersion: 1,
        data: { deviceId, assignmentId, rolloutId, state, sentAt: new Date().toISOString() },
      };
      nc.publish(`${naming.subjectPrefix}keelson.dev.${deviceId}.report`, JSON.stringify(message));
    },
    async decommission(deviceId) {
      const subject = gw.devices.subject('device', fleet, deviceId);
      const { lastSeq } = await gw.devices.load(subject);
      await gw.devices.append(
        subject,
        lastSeq,
        [{ type: 'DeviceDecommissioned', schemaVersion: 1, data: { fleet, deviceId, reason: 'retired' } }],
        { actor: { kind: 'operator', id: 'admin' }, correlationId: 'spec', commandId: `decommission-${deviceId}` },
      );
    },
    async assignmentsOf(deviceId, rolloutId) {
      // The gateway appends one DesiredStateChanged per assign it accepts, the new assignment last
      // (the others are carried over): each such append counts, so one appended twice shows twice.
      return (await gw.eventsOf(fleet, deviceId)).flatMap((e) => {
        const added = e.type === 'DesiredStateChanged' ? e.data.assignments.at(-1) : undefined;
        return added?.rolloutId === rolloutId ? [added] : [];
      });
    },
    async rolloutEvents(rolloutId) {
      return (await rollouts.load(rollouts.subject('rollout', fleet, rolloutId))).events.map((r) => r.event);
    },
    async streamMessages() {
      return (await (await jetstreamManager(nc)).streams.info(`${naming.streamPrefix}${eventStreams.orchestrator.name}`)).state.messages;
    },
    config,
    async stop() {
      await harness.app.close();
    },
    async start() {
      harness.app = await startApp(config);
    },
    async close() {
      await harness.app.close();
      await Promise.all(registryResponder.map((s) => s.drain()));
      await gw.close();
      await testDb.drop();
    },
  };
  return harness;
}
