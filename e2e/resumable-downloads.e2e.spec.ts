import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startTcpProxy, type TcpProxy, type TcpProxyOptions } from '@keelson/local-infra';
import { DataDirLayout } from '../services/agent/src/index.js';
import { enrollAgent, startAgentProcess, type AgentProcess } from './support/agent-process.js';
import {
  createGroup,
  createRollout,
  eventually,
  publishArtifact,
  rolloutBody,
  waitForRollout,
  type ProbeSpec,
} from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 13 item 6: a target download cut off by the network, or by the agent's own death, goes on
// from where it stopped (Range), never from zero, and the update installs the whole verified file.
// The real facade behind a TCP proxy that plays the bad network; the real agent process.
describe('resumable target downloads', () => {
  let platform: TestPlatform;
  const scratch = mkdtempSync(join(tmpdir(), 'keelson-resume-'));
  const ready = join(scratch, 'ready');
  const size = 4 * 1024 * 1024;
  const running: { agent?: AgentProcess; proxy?: TcpProxy }[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform();
    writeFileSync(ready, 'ok');
  }, 240_000);
  afterAll(async () => {
    for (const { agent, proxy } of running) {
      await agent?.stop();
      await proxy?.close();
    }
    await platform?.destroy();
    rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  /** An enrolled agent whose every request to the facade goes through a proxy with `interrupt`. */
  async function deviceBehindProxy(name: string, interrupt: TcpProxyOptions['interrupt']) {
    const facadePort = Number(new URL(platform.facadeUrl).port);
    const proxy = await startTcpProxy('127.0.0.1', await freePort(), [facadePort], { interrupt });
    const dataDir = join(scratch, name);
    const deviceId = await enrollAgent(platform, dataDir, name);
    const layout = new DataDirLayout(dataDir);
    const enrollment = JSON.parse(readFileSync(layout.enrollment, 'utf8')) as { facadeUrl: string };
    writeFileSync(layout.enrollment, JSON.stringify({ ...enrollment, facadeUrl: `https://127.0.0.1:${proxy.port}` }));
    const device = { deviceId, layout, proxy, agent: await startAgentProcess(dataDir) };
    running.push(device);
    await eventually(`${name} online`, async () => {
      const { body } = await platform.api<{ items: { deviceId: string; reachable: boolean }[] }>('/v1/devices?limit=1000');
      return body.items.some((d) => d.deviceId === deviceId && d.reachable) ? true : undefined;
    });
    await createGroup(platform, name, [name]);
    return device;
  }

  /** Publishes `name`@1.0.0 (random bytes of `size`) and rolls it out to the device's group. */
  async function rollOut(name: string, group: string) {
    const bytes = randomBytes(size);
    const { sha256 } = await publishArtifact(platform, { name, version: '1.0.0', bytes });
    const probe: ProbeSpec = { kind: 'file', path: ready, timeoutSeconds: 5, attempts: 1 };
    const created = await createRollout(platform, rolloutBody(`${name}@1.0.0`, group, probe, [100]));
    return { bytes, sha256, rolloutId: created.rolloutId };
  }

  /** The spans of `sha256` the facade sent for a Range, from its log. */
  function rangesServed(sha256: string): { start: number; end: number }[] {
    const log = readFileSync(join(platform.home, 'logs', 'registry-facade.log'), 'utf8');
    return [...log.matchAll(new RegExp(`target ${sha256} sent from byte (\\d+) to (\\d+)`, 'g'))].map((m) => ({
      start: Number(m[1]),
      end: Number(m[2]),
    }));
  }

  it('resumes a download whose connection dropped at 40 %, with a Range from where it stopped, and installs it', async () => {
    const device = await deviceBehindProxy('edge-drop', { afterBytes: Math.floor(size * 0.4), times: 1, how: 'drop' });
    const { bytes, sha256, rolloutId } = await rollOut('dropped-model', 'edge-drop');
    const done = await waitForRollout(platform, rolloutId, ['succeeded', 'failed', 'halted']);
    expect([done.status, device.proxy.interrupted]).toEqual(['succeeded', 1]);
    expect(readFileSync(device.layout.activeFile('dropped-model', 'model.onnx')).equals(bytes)).toBe(true);
    // One resumed request, from past a third of the target (the metadata and TLS records took part of the 40 %), to its end.
    const [resumed, ...more] = rangesServed(sha256);
    expect(more).toEqual([]);
    expect(resumed!.start).toBeGreaterThan(size * 0.3);
    expect(resumed!.start).toBeLessThan(size * 0.4);
    expect(resumed!.end).toBe(size - 1);
    // From zero again, the device would have been sent 1.4 times the target.
    expect(device.proxy.bytesToClients).toBeLessThan(size * 1.1);
  }, 240_000);

  it('resumes from its partial file after the agent was SIGKILLed mid-download, and installs it', async () => {
    const device = await deviceBehindProxy('edge-kill', { afterBytes: Math.floor(size * 0.5), times: 1, how: 'stall' });
    const { bytes, sha256, rolloutId } = await rollOut('killed-model', 'edge-kill');
    const partial = device.layout.partialDownload(sha256);
    await eventually('half the target in the partial file', async () =>
      (statSync(partial, { throwIfNoEntry: false })?.size ?? 0) > size * 0.4 ? true : undefined,
    );
    await device.agent.kill();
    const kept = statSync(partial).size;
    device.agent = await startAgentProcess(device.layout.root);
    const done = await waitForRollout(platform, rolloutId, ['succeeded', 'failed', 'halted']);
    expect(done.status).toBe('succeeded');
    expect(readFileSync(device.layout.activeFile('killed-model', 'model.onnx')).equals(bytes)).toBe(true);
    expect(rangesServed(sha256)).toEqual([{ start: kept, end: size - 1 }]);
    expect(statSync(partial, { throwIfNoEntry: false })).toBeUndefined(); // moved into the version directory
    expect(device.proxy.bytesToClients).toBeLessThan(size * 1.1);
  }, 240_000);
});
