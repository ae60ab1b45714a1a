import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Probe } from '@keelson/events';
import { eventually } from '@keelson/testing';
import { tamperTarget } from '@keelson/tuf/testing';
import { AgentStateStore } from '../data-dir/agent-state.js';
import { DataDirLayout } from '../data-dir/layout.js';
import { installOf as assignment, startGatewayUnderTest, type GatewayUnderTest } from '../test-fixtures/gateway-under-test.js';
import { startSimulatedFleet } from './simulated-fleet.js';

describe('a simulated fleet: real agents, keys, certificates and MQTT sessions in one process', () => {
  let g: GatewayUnderTest;
  let dir: string;
  const publish = (version: string) => g.publishModel(version);
  const states = (deviceId: string, assignmentId: string) => g.statesOf(deviceId, assignmentId);
  const terminal = (deviceId: string, assignmentId: string) => g.untilTerminal(deviceId, assignmentId);

  beforeAll(async () => {
    g = await startGatewayUnderTest();
    dir = mkdtempSync(join(tmpdir(), 'keelson-sim-'));
  });
  afterAll(async () => {
    await g?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a simulated fleet: healthy devices take the update, a failing one rolls back by itself, tampered bytes are refused', async () => {
    const failing = new Set<string>();
    const fleet = await startSimulatedFleet({
      count: 3,
      dataDir: join(dir, 'sim'),
      mintToken: g.mintToken,
      failing,
      probeRetryPauseMs: 50,
    });
    try {
      await eventually(() => fleet.devices.every((d) => d.connected));
      const ready: Probe = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 2, attempts: 1, initialDelaySeconds: 0 };
      const v1 = publish('1.1.0');
      for (const d of fleet.devices) await g.assign(d.deviceId, assignment(`s1-${d.deviceId}`, v1, ready));
      for (const d of fleet.devices) await terminal(d.deviceId, `s1-${d.deviceId}`);
      // Only outcomes are stored; the steps went out live, and each outcome says when they began.
      for (const d of fleet.devices) expect(await states(d.deviceId, `s1-${d.deviceId}`)).toEqual(['healthy']);
      for (const d of fleet.devices)
        expect(Object.keys((await g.reportsOf(d.deviceId))[0]?.steps ?? {}).sort()).toEqual(['applying', 'downloading', 'verifying']);

      failing.add('sim-2');
      const v2 = publish('1.2.0');
      for (const d of fleet.devices) await g.assign(d.deviceId, assignment(`s2-${d.deviceId}`, v2, ready));
      for (const d of fleet.devices) await terminal(d.deviceId, `s2-${d.deviceId}`);
      const outcome = async (name: string) => (await states(fleet.byName(name).deviceId, `s2-${fleet.byName(name).deviceId}`)).at(-1);
      expect([await outcome('sim-1'), await outcome('sim-2'), await outcome('sim-3')]).toEqual(['healthy', 'rolled_back', 'healthy']);
      const active = (name: string) => readFileSync(fleet.byName(name).activeFile('yolo', v2.targetPath), 'utf8');
      expect([active('sim-1'), active('sim-2'), active('sim-3')]).toEqual(['model 1.2.0', 'model 1.1.0', 'model 1.2.0']);
      const reason = (await g.reportsOf(fleet.byName('sim-2').deviceId)).find((r) => r.state === 'rolled_back')?.reason;
      expect(reason).toContain('/run/app/ready does not exist');

      const v3 = publish('1.3.0');
      tamperTarget(g.repo, v3.targetPath);
      const target = fleet.byName('sim-1');
      await g.assign(target.deviceId, assignment(`s3-${target.deviceId}`, v3, ready));
      await terminal(target.deviceId, `s3-${target.deviceId}`);
      expect(await states(target.deviceId, `s3-${target.deviceId}`)).toEqual(['failed']);
      // Refused at verification: it never got to apply.
      expect(
        Object.keys((await g.reportsOf(target.deviceId)).find((r) => r.assignmentId === `s3-${target.deviceId}`)?.steps ?? {}).sort(),
      ).toEqual(['downloading', 'verifying']);
      expect(active('sim-1')).toBe('model 1.2.0');
    } finally {
      await fleet.stop();
    }
    // Started again on the same directory, the simulator re-uses the enrolled devices.
    const again = await startSimulatedFleet({
      count: 3,
      dataDir: join(dir, 'sim'),
      mintToken: () => Promise.reject(new Error('must not enroll again')),
    });
    expect(again.devices.map((d) => d.deviceId)).toEqual(fleet.devices.map((d) => d.deviceId));
    await again.stop();
  });

  it('kills a simulated device in the middle of its probe and restarts it: it probes again and ends healthy', async () => {
    // The check reports that it runs, then waits for the workload for as long as the probe allows (300 s,
    // past this test's timeout) unless the workload is ready already, which it is only after the restart.
    const running = join(dir, 'crash-probe-running');
    const ready = join(dir, 'crash-app-ready');
    const check = `[ -e ${ready} ] && exit 0; touch ${running}; exec sleep 300`;
    const fleet = await startSimulatedFleet({
      count: 1,
      dataDir: join(dir, 'sim-kill'),
      namePrefix: 'crash-',
      mintToken: g.mintToken,
      allowExec: ['/bin/sh'],
    });
    try {
      const device = fleet.byName('crash-1');
      const slow: Probe = { kind: 'exec', path: '/bin/sh', args: ['-c', check], timeoutSeconds: 300, attempts: 1, initialDelaySeconds: 0 };
      const v = publish('4.0.0');
      await g.assign(device.deviceId, assignment(`c1-${device.deviceId}`, v, slow));
      await eventually(() => existsSync(running));
      await device.kill(); // returns only if the kill cuts the probe short: sitting it out takes 300 s
      expect(device.running).toBe(false);
      const store = new AgentStateStore(new DataDirLayout(device.dataDir).stateFile);
      // The probe is not journalled on its own: the restart applies the same swap again and probes again.
      expect((await store.load()).assignments[`c1-${device.deviceId}`]?.phase).toBe('applying');
      writeFileSync(ready, 'ready');
      await device.restart();
      await terminal(device.deviceId, `c1-${device.deviceId}`);
      expect(await states(device.deviceId, `c1-${device.deviceId}`)).toEqual(['healthy']);
      expect(readFileSync(device.activeFile('yolo', v.targetPath), 'utf8')).toBe('model 4.0.0');
    } finally {
      await fleet.stop();
    }
  });

  it('refuses to start a simulated fleet whose devices cannot all enroll, naming the device', async () => {
    let left = 1;
    const mintToken = async () => {
      if (left-- > 0) return g.mintToken();
      throw new Error('api says no');
    };
    await expect(startSimulatedFleet({ count: 2, dataDir: join(dir, 'sim-refused'), mintToken, concurrency: 1 })).rejects.toThrow(
      'could not enroll simulated device sim-2: api says no',
    );
  });
});
