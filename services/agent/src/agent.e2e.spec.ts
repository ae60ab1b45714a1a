import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Probe } from '@keelson/events';
import { eventually } from '@keelson/testing';
import { startAgent } from './agent.js';
import type { RunningAgent } from './agent-options.js';
import { ArtifactSlots } from './artifacts/artifact-slots.js';
import { AgentStateStore } from './data-dir/agent-state.js';
import { DataDirLayout } from './data-dir/layout.js';
import { enrollDevice } from './enrollment/enroll.js';
import { installOf as assignment, startGatewayUnderTest, type GatewayUnderTest } from './test-fixtures/gateway-under-test.js';

const agentBin = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'keelson-agent.mjs');

describe('the agent against the real gateway over real MQTT', () => {
  let g: GatewayUnderTest;
  let dir: string;
  const running: RunningAgent[] = [];
  const children: ChildProcess[] = [];
  let n = 0;
  const publish = (version: string) => g.publishModel(version);
  const states = (deviceId: string, assignmentId: string) => g.statesOf(deviceId, assignmentId);
  const trail: string[] = []; // what the in-process agents logged, shown when an install never ends
  const log = (event: string, fields: Record<string, unknown>) =>
    void trail.push(`${new Date().toISOString()} ${event} ${JSON.stringify(fields)}`);
  const terminal = (deviceId: string, assignmentId: string) => g.untilTerminal(deviceId, assignmentId, trail);
  const enrolledDir = async (name: string) => {
    const dataDir = join(dir, `dev-${++n}`);
    const { token, gatewayUrl, caFingerprint } = await g.mintToken();
    const identity = await enrollDevice({ gatewayUrl, token, dataDir, name, caFingerprint });
    return { dataDir, identity };
  };
  const truthy: Probe = { kind: 'exec', path: '/bin/true', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 0 };

  beforeAll(async () => {
    g = await startGatewayUnderTest();
    dir = mkdtempSync(join(tmpdir(), 'keelson-agent-devices-'));
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const agent of running) await agent.stop().catch(() => undefined);
    await g?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enrolls, keeps its identity safely, says hello and installs an assignment: reports become DeviceReportedProgress events', async () => {
    const { dataDir, identity } = await enrolledDir('cam-1');
    const layout = new DataDirLayout(dataDir);
    expect(statSync(layout.deviceKey).mode & 0o777).toBe(0o600);
    expect(statSync(layout.brokerCredentials).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(layout.pristineRoot, 'utf8'))).toEqual(g.repo.rootDocument());
    expect(readFileSync(layout.enrollment, 'utf8')).not.toContain(identity.broker.password);

    const hellos: string[] = [];
    const sub = g.nc.subscribe(`${identity.broker.topicRoot.replace(/\//g, '.')}.dev.${identity.deviceId}.hello`, {
      callback: (_e, m) => void hellos.push(m.string()),
    });
    await g.nc.flush();
    const agent = await startAgent({ dataDir, allowExec: ['/bin/true'], heartbeatSeconds: 1, log });
    running.push(agent);
    await eventually(() => hellos.length > 0);
    expect(JSON.parse(hellos[0]!)).toEqual({
      type: 'DeviceHello',
      schemaVersion: 1,
      data: { deviceId: identity.deviceId, agentVersion: '0.1.0', installed: [], desiredGeneration: 0 },
    });

    const v1 = publish('1.0.0');
    await g.assign(identity.deviceId, assignment('a1', v1, truthy));
    await terminal(identity.deviceId, 'a1');
    // Steps go out live (QoS 0) and are never stored; the outcome is, with when each step began.
    expect(await states(identity.deviceId, 'a1')).toEqual(['healthy']);
    await eventually(() => g.liveStepsOf(identity.deviceId, 'a1').length === 3);
    expect(g.liveStepsOf(identity.deviceId, 'a1')).toEqual(['downloading', 'verifying', 'applying']);
    const [outcome] = (await g.reportsOf(identity.deviceId)).filter((r) => r.assignmentId === 'a1');
    const times = [outcome!.steps?.downloading, outcome!.steps?.verifying, outcome!.steps?.applying, outcome!.reportedAt].map((t) =>
      Date.parse(t ?? ''),
    );
    expect(times.every(Number.isFinite)).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // The outcome says what the device runs now: no hello after the update is needed for the device list to follow.
    await eventually(async () => (await g.installedOf(identity.deviceId)).some((i) => i.version === '1.0.0'));
    expect(hellos).toHaveLength(1);
    expect(readFileSync(layout.activeFile('yolo', 'model.onnx'), 'utf8')).toBe('model 1.0.0');
    expect(g.facade.requests.every((r) => r.deviceId === identity.deviceId)).toBe(true);
    // The desired state comes as a plain NATS publish, which MQTT delivers at QoS 0 whatever the
    // subscription asked for: a QoS 1 subscription would only add a JetStream consumer per device.
    expect((await g.mqttConsumerFilters()).filter((filter) => filter.includes(identity.deviceId))).toEqual([]);

    // Assigned while it is off: on reconnect it says what it runs, gets its desired state and catches up.
    await agent.stop();
    hellos.length = 0;
    const v2 = publish('1.1.0');
    await g.assign(identity.deviceId, assignment('a2', v2, truthy));
    running.push(await startAgent({ dataDir, allowExec: ['/bin/true'], log }));
    await eventually(() => hellos.length > 0);
    expect(JSON.parse(hellos[0]!).data).toMatchObject({
      installed: [{ name: 'yolo', version: '1.0.0', sha256: v1.sha256 }],
      desiredGeneration: 1,
    });
    await terminal(identity.deviceId, 'a2');
    expect(await states(identity.deviceId, 'a2')).toEqual(['healthy']);
    expect(readFileSync(layout.activeFile('yolo', 'model.onnx'), 'utf8')).toBe('model 1.1.0');
    sub.unsubscribe();
  });

  it('reconnects after the broker restarts, says hello again and takes what was assigned meanwhile', async () => {
    const { dataDir, identity } = await enrolledDir('cam-reconnect');
    const logged: string[] = [];
    const agent = await startAgent({ dataDir, allowExec: ['/bin/true'], log: (event, fields) => (logged.push(event), log(event, fields)) });
    running.push(agent);
    await eventually(() => agent.connected && logged.includes('connected'));
    await g.restartBroker();
    await eventually(() => logged.filter((e) => e === 'connected').length >= 2, 30_000);
    const v = publish('3.0.0');
    await g.assign(identity.deviceId, assignment('b1', v, truthy));
    await terminal(identity.deviceId, 'b1');
    expect(await states(identity.deviceId, 'b1')).toEqual(['healthy']);
  }, 60_000);

  it('takes a desired state with fields it does not know (a newer platform), and drops one whose known field is malformed', async () => {
    const { dataDir, identity } = await enrolledDir('cam-newer');
    const logged: string[] = [];
    running.push(await startAgent({ dataDir, allowExec: ['/bin/true'], log: (event, fields) => (logged.push(event), log(event, fields)) }));
    await eventually(() => logged.includes('connected'));
    const subject = `${identity.broker.topicRoot.replace(/\//g, '.')}.cmd.${identity.deviceId}.desired`;
    const send = (data: object) =>
      g.nc.publish(subject, JSON.stringify({ type: 'DesiredState', schemaVersion: 1, sentBy: 'gateway-9', data }));
    const later = { ...assignment('n1', publish('4.0.0'), truthy), deadline: '2030-01-01T00:00:00.000Z' };
    send({ deviceId: identity.deviceId, generation: -1, assignments: [later], priority: 'high' });
    await eventually(() => logged.includes('desired-state-dropped'));
    send({ deviceId: identity.deviceId, generation: 7, assignments: [later], priority: 'high' });
    const active = new DataDirLayout(dataDir).activeFile('yolo', 'model.onnx');
    await eventually(() => existsSync(active) && readFileSync(active, 'utf8') === 'model 4.0.0');
    expect(logged.filter((e) => e === 'desired-state-dropped')).toHaveLength(1);
  });

  it('recovers from SIGKILL in the middle of an update and finishes it after a restart', async () => {
    const { dataDir, identity } = await enrolledDir('cam-kill');
    const check = join(dir, 'slow-check.sh');
    writeFileSync(check, '#!/bin/sh\nsleep 2\n[ -f "$KEELSON_ARTIFACT_PATH" ]\n');
    chmodSync(check, 0o755);
    const startChild = () => {
      const child = spawn(process.execPath, [agentBin, 'run', '--data-dir', dataDir, '--allow-exec', check, '--allow-exec', '/bin/true'], {
        stdio: 'ignore',
      });
      children.push(child);
      return child;
    };
    let child = startChild();
    const v1 = publish('2.0.0');
    await g.assign(identity.deviceId, assignment('k1', v1, truthy));
    await terminal(identity.deviceId, 'k1');

    const v2 = publish('2.1.0');
    await g.assign(
      identity.deviceId,
      assignment('k2', v2, { kind: 'exec', path: check, timeoutSeconds: 10, attempts: 1, initialDelaySeconds: 0 }),
    );
    const store = new AgentStateStore(new DataDirLayout(dataDir).stateFile);
    // Swapped in and probing (the slow check): the probe is not journalled on its own, the journal says applying.
    const slots = new ArtifactSlots(new DataDirLayout(dataDir), 'yolo');
    await eventually(async () => (await store.load()).assignments.k2?.phase === 'applying' && (await slots.read('current')) === '2.1.0');
    const stepsBeforeKill = (await store.load()).assignments.k2?.steps;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await states(identity.deviceId, 'k2')).not.toContain('healthy');

    child = startChild();
    await terminal(identity.deviceId, 'k2');
    expect((await states(identity.deviceId, 'k2')).at(-1)).toBe('healthy');
    // The steps' times were journalled with the steps: the outcome after the restart still has them.
    expect(stepsBeforeKill?.applying).toBeDefined();
    expect((await g.reportsOf(identity.deviceId)).find((r) => r.assignmentId === 'k2')?.steps).toEqual(stepsBeforeKill);
    expect([await slots.read('current'), await slots.read('previous')]).toEqual(['2.1.0', '2.0.0']);
    expect(readFileSync(new DataDirLayout(dataDir).activeFile('yolo', 'model.onnx'), 'utf8')).toBe('model 2.1.0');
    child.kill('SIGTERM');
    expect(await new Promise((r) => child.once('exit', (code) => r(code)))).toBe(0);
  });
});
