import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLayout, trustedMetadataFiles } from '../services/agent/src/index.js';
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

// Issue 4, TUF for production: a device that was offline for longer than any expiry recovers on return.
// Lifetimes are seconds here so the test can outwait them: the signer renews each at half-life.
const lifetimes = { timestamp: 10, snapshot: 12, targets: 14, root: 60 };

/** The expiry of every metadata document the device trusts now (root in `<data-dir>/tuf`, the rest in its kept file). */
function heldExpiries(dataDir: string): Record<string, { version: number; expires: number }> {
  const files = Object.entries(trustedMetadataFiles(new DataDirLayout(dataDir))).filter(
    ([f]) => f.endsWith('.json') && f !== 'pristine-root.json',
  );
  return Object.fromEntries(
    files.map(([f, bytes]) => {
      const { signed } = JSON.parse(bytes.toString('utf8')) as { signed: { version: number; expires: string } };
      return [f.replace(/\.json$/, ''), { version: signed.version, expires: Date.parse(signed.expires) }];
    }),
  );
}

const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));

describe('a device offline for longer than every expiry', () => {
  let platform: TestPlatform;
  let agent: AgentProcess | undefined;
  let deviceId: string;
  const scratch = mkdtempSync(join(tmpdir(), 'keelson-expiry-'));
  const dataDir = join(scratch, 'edge-01');
  const ready = join(scratch, 'ready');
  const probe: ProbeSpec = { kind: 'file', path: ready, timeoutSeconds: 5, attempts: 2 };

  /** Publishes `version` of the model and rolls it out to the one device; returns its bytes once installed. */
  const update = async (version: string): Promise<Buffer> => {
    const bytes = Buffer.from(`tracker ${version} ${'t'.repeat(8_000)}`);
    await publishArtifact(platform, { name: 'tracker', version, bytes });
    const created = await createRollout(platform, rolloutBody(`tracker@${version}`, 'edge', probe, [100]));
    const done = await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted']);
    expect({ status: done.status, devices: done.devices.map((d) => [d.state, d.reason]) }).toEqual({
      status: 'succeeded',
      devices: [['healthy', undefined]],
    });
    return bytes;
  };
  const installed = () => readFileSync(join(dataDir, 'artifacts', 'tracker', 'current', 'model.onnx'));
  const rootInForce = async () => (await platform.api<{ version: number; development: boolean }>('/v1/tuf/root')).body;

  /** Stops the agent, waits until everything it holds (the root too, if `rootAlso`) has expired, and starts it again. */
  const offlinePastExpiry = async (rootAlso: boolean) => {
    await agent!.stop();
    const held = heldExpiries(dataDir);
    const { root, ...online } = held;
    const until = Math.max(...Object.values(rootAlso ? held : online).map((m) => m.expires));
    await sleepUntil(until + 1_000);
    const now = Date.now();
    for (const [role, m] of Object.entries(online)) expect({ role, expired: m.expires < now }).toEqual({ role, expired: true });
    expect(root!.expires < now).toBe(rootAlso);
    const returnedAt = Date.now();
    agent = await startAgentProcess(dataDir);
    await eventually('edge-01 back online', async () => {
      const { body } = await platform.api<{ items: { deviceId: string; reachable: boolean }[] }>('/v1/devices?limit=1000');
      return body.items.some((d) => d.deviceId === deviceId && d.reachable) ? true : undefined;
    });
    return { held, returnedAt };
  };

  beforeAll(async () => {
    platform = await startTestPlatform({
      serviceEnv: {
        signer: {
          KEELSON_TUF_TIMESTAMP_EXPIRY_SECONDS: String(lifetimes.timestamp),
          KEELSON_TUF_SNAPSHOT_EXPIRY_SECONDS: String(lifetimes.snapshot),
          KEELSON_TUF_TARGETS_EXPIRY_SECONDS: String(lifetimes.targets),
          KEELSON_TUF_ROOT_EXPIRY_SECONDS: String(lifetimes.root),
          KEELSON_TUF_RENEW_CHECK_SECONDS: '1',
        },
      },
    });
    writeFileSync(ready, 'ok');
    deviceId = await enrollAgent(platform, dataDir, 'edge-01');
    agent = await startAgentProcess(dataDir);
    await eventually('edge-01 listed and online', async () => {
      const { body } = await platform.api<{ items: { deviceId: string; reachable: boolean }[] }>('/v1/devices?limit=1000');
      return body.items.some((d) => d.deviceId === deviceId && d.reachable) ? true : undefined;
    });
    await createGroup(platform, 'edge', ['edge-01']);
    expect(await update('1.0.0')).toEqual(installed());
  }, 240_000);

  afterAll(async () => {
    await agent?.stop();
    await platform?.destroy();
    rmSync(scratch, { recursive: true, force: true });
  }, 60_000);

  it('installs the next update although its trusted timestamp, snapshot and targets expired while it was away', async () => {
    const { held, returnedAt } = await offlinePastExpiry(false);
    const bytes = await update('2.0.0');
    expect(installed()).toEqual(bytes);
    // The device now trusts fresh top-level metadata, newer than what it held. (Hash bins it had no
    // target to look up in stay as they were: tuf-js loads a delegated role only when it needs it.)
    const after = heldExpiries(dataDir);
    for (const role of ['timestamp', 'snapshot', 'targets']) {
      expect(after[role]!.version).toBeGreaterThan(held[role]!.version);
      expect(after[role]!.expires).toBeGreaterThan(returnedAt);
    }
  }, 120_000);

  it('walks the root versions the signer re-signed while it was away, past an expired trusted root, and installs the next update', async () => {
    const { held, returnedAt } = await offlinePastExpiry(true);
    // The development root is online: the signer renewed it meanwhile, so a newer root is in force.
    const current = await rootInForce();
    expect(current.development).toBe(true);
    expect(current.version).toBeGreaterThan(held.root!.version);

    const bytes = await update('3.0.0');
    expect(installed()).toEqual(bytes);
    const after = heldExpiries(dataDir);
    expect(after.root!.version).toBeGreaterThanOrEqual(current.version);
    expect(after.root!.expires).toBeGreaterThan(returnedAt);
  }, 150_000);
});
