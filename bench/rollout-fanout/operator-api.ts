/** What the bench does as an operator through the REST API (`/v1`, admin bearer token), answers checked. */
export interface RolloutView {
  rolloutId: string;
  status: string;
  /** The first 1000 devices at most; `deviceCount` says how many the rollout targets. */
  devices: { deviceId: string; state: string; reason?: string }[];
  deviceCount?: number;
}

const modelManifest = {
  kind: 'model',
  framework: 'onnx',
  inputs: [{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }],
  metrics: { 'mAP50-95': 0.37 },
  hardware: { architectures: ['amd64', 'arm64'] },
};

export class OperatorApi {
  constructor(
    private readonly apiUrl: string,
    private readonly adminToken: string,
  ) {}

  async call<T>(path: string, body?: unknown): Promise<T> {
    // A GET is safe to repeat: a socket the server closed under a busy event loop is not the answer.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.callOnce<T>(path, body);
      } catch (err) {
        if (body !== undefined || attempt >= 3 || !(err instanceof TypeError)) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async callOnce<T>(path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${this.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${body === undefined ? 'GET' : 'POST'} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  /** Every device id listed as reachable, following `nextCursor` (the api pages at most 1000). */
  async reachableDevices(): Promise<Set<string>> {
    const out = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await this.call<{ items: { deviceId: string; reachable: boolean }[]; nextCursor?: string }>(
        `/v1/devices?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      for (const d of page.items) if (d.reachable) out.add(d.deviceId);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** `POST /v1/artifacts` as multipart (fields first, then the file), then waits until it is signed. */
  async publishArtifact(name: string, version: string, bytes: Buffer, timeoutMs: number): Promise<void> {
    const form = new FormData();
    form.set('name', name);
    form.set('version', version);
    form.set('kind', 'model');
    form.set('manifest', JSON.stringify(modelManifest));
    form.set('file', new Blob([new Uint8Array(bytes)]), 'model.onnx');
    const res = await fetch(`${this.apiUrl}/v1/artifacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.adminToken}` },
      body: form,
    });
    if (res.status !== 201) throw new Error(`artifact push answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    await until(`${name}@${version} published`, timeoutMs, async () => {
      // The api reads a projection: right after the push it may not list the artifact yet (404).
      const artifact = await this.call<{ status: string }>(`/v1/artifacts/${name}/${version}`).catch((err: Error) =>
        / 404:/.test(err.message) ? undefined : Promise.reject(err),
      );
      return artifact?.status === 'published' ? true : undefined;
    });
  }

  async createGroup(name: string, deviceNames: string[]): Promise<void> {
    const group = await this.call<{ unresolvedNames: string[] }>('/v1/groups', { name, devices: deviceNames });
    if (group.unresolvedNames.length > 0)
      throw new Error(`group ${name}: ${group.unresolvedNames.length} names unresolved, e.g. ${group.unresolvedNames[0]}`);
  }

  /** One wave of 100 % with an auto gate and a `file` probe on what the simulated application writes. */
  createRollout(artifact: string, group: string): Promise<RolloutView> {
    return this.call<RolloutView>('/v1/rollouts', {
      artifact,
      group,
      probe: { kind: 'file', path: '/run/app/ready', timeoutSeconds: 10, attempts: 1 },
      strategy: { waves: [{ percent: 100, gate: 'auto' }], maxFailures: 0 },
    });
  }

  getRollout(rolloutId: string): Promise<RolloutView> {
    return this.call<RolloutView>(`/v1/rollouts/${rolloutId}`);
  }
}

/** Polls until `check` returns a value, or fails naming what it waited for. */
export async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, pauseMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`bench: timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}
