import { eventually } from '@keelson/testing';
import type { TestPlatform } from './test-platform.js';

export { eventually };

/** What an operator does through the REST API in the end-to-end specs, with the answers checked. */
export interface RolloutView {
  rolloutId: string;
  status: string;
  currentWave: number;
  haltReason?: string;
  devices: { deviceId: string; wave: number; state: string; reason?: string }[];
}

export interface ProbeSpec {
  kind: 'file' | 'http' | 'exec';
  path?: string;
  url?: string;
  args?: string[];
  timeoutSeconds: number;
  attempts: number;
  initialDelaySeconds?: number;
}

export const modelManifest = {
  kind: 'model',
  framework: 'onnx',
  inputs: [{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }],
  metrics: { 'mAP50-95': 0.37 },
  // OCI spelling, as the agent reports it: the simulated devices run on this machine's architecture.
  hardware: { architectures: ['amd64', 'arm64'] },
};

/** `POST /v1/artifacts` as multipart (fields first, then the file), the way the CLI sends it. */
export async function pushArtifact(
  platform: TestPlatform,
  input: { name: string; version: string; bytes: Buffer | string; file?: string; manifest?: unknown },
) {
  const form = new FormData();
  form.set('name', input.name);
  form.set('version', input.version);
  form.set('kind', 'model');
  form.set('manifest', typeof input.manifest === 'string' ? input.manifest : JSON.stringify(input.manifest ?? modelManifest));
  form.set('file', new Blob([input.bytes]), input.file ?? 'model.onnx');
  const res = await fetch(`${platform.apiUrl}/v1/artifacts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.adminToken}` },
    body: form,
  });
  return {
    status: res.status,
    body: (await res.json()) as { status?: string; sha256?: string; targetPath?: string; error?: { code: string; message: string } },
  };
}

/** Pushes an artifact and waits until the signer has signed it (status `published`). */
export async function publishArtifact(platform: TestPlatform, input: Parameters<typeof pushArtifact>[1]) {
  const pushed = await pushArtifact(platform, input);
  if (pushed.status !== 201) throw new Error(`push answered ${pushed.status}: ${JSON.stringify(pushed.body)}`);
  await eventually(`${input.name}@${input.version} published`, async () => {
    const { body } = await platform.api<{ status: string }>(`/v1/artifacts/${input.name}/${input.version}`);
    return body.status === 'published' ? true : undefined;
  });
  return pushed.body as { sha256: string; targetPath: string };
}

export async function createGroup(
  platform: TestPlatform,
  name: string,
  devices: string[],
): Promise<{ groupId: string; unresolvedNames: string[] }> {
  const { status, body } = await platform.api<{ groupId: string; unresolvedNames: string[] }>('/v1/groups', { body: { name, devices } });
  if (status !== 201 && status !== 200) throw new Error(`group create answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

export function rolloutBody(
  artifact: string,
  group: string,
  probe: ProbeSpec,
  waves: number[],
  options: { gates?: ('auto' | 'manual')[]; maxFailures?: number } = {},
) {
  return {
    artifact,
    group,
    probe,
    strategy: {
      waves: waves.map((percent, i) => ({ percent, gate: options.gates?.[i] ?? 'auto' })),
      maxFailures: options.maxFailures ?? 0,
    },
  };
}

export async function createRollout(platform: TestPlatform, body: ReturnType<typeof rolloutBody>): Promise<RolloutView> {
  const res = await platform.api<RolloutView>('/v1/rollouts', { body });
  if (res.status !== 201 && res.status !== 200) throw new Error(`rollout create answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function getRollout(platform: TestPlatform, rolloutId: string): Promise<RolloutView> {
  return (await platform.api<RolloutView>(`/v1/rollouts/${rolloutId}`)).body;
}

/** Waits until the rollout reaches one of `statuses` and returns its view. */
export function waitForRollout(platform: TestPlatform, rolloutId: string, statuses: string[], ms = 90_000): Promise<RolloutView> {
  return eventually(
    `rollout ${rolloutId} ${statuses.join('|')}`,
    async () => {
      const view = await getRollout(platform, rolloutId);
      return statuses.includes(view.status) ? view : undefined;
    },
    ms,
  );
}

/** The channels of artifact `name` (`GET /v1/channels/:name`). */
export async function channelsOf(platform: TestPlatform, name: string): Promise<{ channel: string; version: string }[]> {
  return (await platform.api<{ channels: { channel: string; version: string }[] }>(`/v1/channels/${name}`)).body.channels;
}

export interface AuditEntry {
  type: string;
  keelsonactor: string;
  data: Record<string, unknown>;
}

/** The audit log's first 1000 entries matching `query` (`rollout=…&type=…`; empty: every entry). */
export async function auditOf(platform: TestPlatform, query: string): Promise<AuditEntry[]> {
  const { body } = await platform.api<{ items: AuditEntry[] }>(`/v1/audit?limit=1000${query ? `&${query}` : ''}`);
  return body.items;
}

export const readyProbe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 2 };

/** Publishes `name@version` and rolls it out to `group` (one wave, no failure allowed); returns the finished rollout. */
export async function rollOut(platform: TestPlatform, group: string, name: string, version: string): Promise<RolloutView> {
  await publishArtifact(platform, { name, version, bytes: `${name} ${version}\n${'weights '.repeat(1000)}` });
  const created = await createRollout(platform, rolloutBody(`${name}@${version}`, group, readyProbe, [100]));
  return waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted']);
}
