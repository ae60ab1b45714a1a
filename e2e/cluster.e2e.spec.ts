import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { audit } from '@keelson/commands';
import { eventStreams } from '@keelson/event-store';
import { platformServices } from '@keelson/local-infra';
import { callCommand } from '@keelson/service-kit';
import { startFleet, type TestFleet } from './support/fleet.js';
import { createGroup, createRollout, eventually, getRollout, publishArtifact, rolloutBody, waitForRollout, type AuditEntry, type ProbeSpec } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 12, item 3: three nats-servers (R3 streams, MQTT on each node) and two replicas of every
// service. Losing one nats-server and one replica of each service mid-rollout loses nothing.
describe('a clustered installation: three nats-servers, two replicas of every service', () => {
  const deviceCount = 200;
  let platform: TestPlatform;
  let fleet: TestFleet;
  let nc: NatsConnection;
  // A probe delay keeps each wave in flight long enough for the kills to land mid-rollout.
  const probe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 2 };

  beforeAll(async () => {
    const started = Date.now();
    platform = await startTestPlatform({ natsNodes: 3, serviceReplicas: 2, diagnosticsUser: true });
    fleet = await startFleet(platform, { count: deviceCount });
    await createGroup(platform, 'everyone', fleet.devices.map((d) => d.name));
    nc = await connect({ servers: platform.natsCluster!.urls, user: platform.diagnostics!.user, pass: platform.diagnostics!.password, maxReconnectAttempts: -1 });
    console.log(`cluster platform and ${deviceCount} devices up in ${Date.now() - started} ms`);
  }, 300_000);

  afterAll(async () => {
    await nc?.close();
    await fleet?.stop();
    await platform?.destroy();
  }, 120_000);

  /** Every audit entry matching `query`, page after page. */
  async function auditAll(query: string): Promise<AuditEntry[]> {
    const items: AuditEntry[] = [];
    let cursor: string | undefined;
    do {
      const { status, body } = await platform.api<{ items: AuditEntry[]; nextCursor?: string }>(`/v1/audit?limit=1000&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(status).toBe(200);
      items.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    return items;
  }

  /** How many entries of each device: `per` picks the device an entry is about, or undefined to skip it. */
  function countByDevice(entries: AuditEntry[], per: (e: AuditEntry) => string | undefined): Map<string, number> {
    const counts = new Map<string, number>();
    for (const e of entries) {
      const device = per(e);
      if (device) counts.set(device, (counts.get(device) ?? 0) + 1);
    }
    return counts;
  }

  /** The JetStream meta leader: losing it forces an election on top of everything else. */
  async function metaLeaderIndex(): Promise<number> {
    const jsz = (await (await fetch(`${platform.natsCluster!.nodes[0]!.monitorUrl}/jsz`)).json()) as { meta_cluster?: { leader?: string } };
    const leader = jsz.meta_cluster?.leader ?? 'keelson-0';
    return Number(leader.split('-').pop());
  }

  it(`a ${deviceCount}-device rollout completes while one nats-server and one replica of each service are SIGKILLed`, async () => {
    const started = Date.now();
    const bytes = Buffer.from(`detector 1.0.0 ${'d'.repeat(10_000)}`);
    await publishArtifact(platform, { name: 'detector', version: '1.0.0', bytes });
    const created = await createRollout(platform, rolloutBody('detector@1.0.0', 'everyone', probe, [10, 50, 100]));
    await eventually('the first wave under way', async () => ((await getRollout(platform, created.rolloutId)).devices.some((d) => d.state !== 'pending') ? true : undefined));

    const node = await metaLeaderIndex();
    await Promise.all([platform.natsCluster!.nodes[node]!.kill(), ...platformServices.map((s) => platform.replicas[s]![0]!.kill())]);
    console.log(`killed nats node ${node} and replica 0 of every service ${Date.now() - started} ms into the rollout`);

    const done = await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted'], 240_000);
    console.log(`rollout ${done.status} after ${Date.now() - started} ms`);
    expect({ status: done.status, haltReason: done.haltReason }).toEqual({ status: 'succeeded', haltReason: undefined });
    expect(done.devices.filter((d) => d.state !== 'healthy')).toEqual([]);
    expect(done.devices).toHaveLength(deviceCount);

    // Assigned exactly once, and the outcome of each on record.
    const rolloutEntries = await auditAll(`rollout=${created.rolloutId}&type=DesiredStateChanged,DeviceReportedProgress`);
    const deviceOf = (e: AuditEntry) => (e.data as { deviceId?: string }).deviceId;
    const assigned = countByDevice(rolloutEntries, (e) => (e.type.endsWith('DesiredStateChanged') ? deviceOf(e) : undefined));
    const healthy = countByDevice(rolloutEntries, (e) => (e.type.endsWith('DeviceReportedProgress') && e.data.state === 'healthy' ? deviceOf(e) : undefined));
    for (const device of fleet.devices) {
      expect({ device: device.name, assigned: assigned.get(device.deviceId) ?? 0 }).toEqual({ device: device.name, assigned: 1 });
      expect({ device: device.name, healthy: (healthy.get(device.deviceId) ?? 0) >= 1 }).toEqual({ device: device.name, healthy: true });
    }
  }, 420_000);

  it('keeps the audit chain complete (one entry per stored event) and intact', async () => {
    // The spec's own connection may have been on the killed node: JetStream answers again once it moved.
    const jsm = await eventually('JetStream reachable', () => jetstreamManager(nc).catch(() => undefined));
    const stored = async () => {
      let total = 0;
      for (const s of Object.values(eventStreams)) total += (await jsm.streams.info(s.name)).state.messages;
      return total;
    };
    const verdict = await eventually('the audit caught up with every event stream', async () => {
      const [events, v] = [await stored(), await callCommand(nc, { streamPrefix: '', subjectPrefix: '' }, audit.verifyAudit, {})];
      console.log(`audit: ${v.entries} entries, ${events} stored events`);
      return v.entries === events ? v : undefined;
    });
    expect(verdict).toMatchObject({ intact: true });
    for (const s of Object.values(eventStreams)) expect({ stream: s.name, replicas: (await jsm.streams.info(s.name)).config.num_replicas }).toEqual({ stream: s.name, replicas: 3 });
  }, 120_000);
});
