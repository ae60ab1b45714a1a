import { createHash, randomBytes } from 'node:crypto';
import { startApiApp, type ApiTestApp } from '../test-fixtures/api-app.js';

const boundary = `keelson-${randomBytes(8).toString('hex')}`;
const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const manifest = JSON.stringify({ kind: 'config', format: 'json' });

function form(name: string, version: string, file: Buffer): { head: Buffer; file: Buffer; tail: Buffer } {
  const head = Buffer.from(
    field('name', name) +
      field('version', version) +
      field('kind', 'config') +
      field('manifest', manifest) +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="settings.json"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  return { head, file, tail: Buffer.from(`\r\n--${boundary}--\r\n`) };
}

/** A request body the spec writes piece by piece; `release` lets the rest through. */
function heldBody(first: Buffer, rest: Buffer): { body: ReadableStream<Uint8Array>; release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let step = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (step++ === 0) return controller.enqueue(first);
      await released;
      controller.enqueue(rest);
      controller.close();
    },
  });
  return { body, release };
}

const upload = (t: ApiTestApp, body: NonNullable<RequestInit['body']>, query = '') =>
  fetch(`${t.url}/v1/artifacts${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
    duplex: 'half',
  } as RequestInit);

describe('POST /v1/artifacts', () => {
  let t: ApiTestApp;
  beforeAll(async () => (t = await startApiApp()));
  afterAll(() => t.close());

  it('streams the body to the facade while the operator is still sending it, byte for byte', async () => {
    const parts = form('edge-config', '1.0.0', randomBytes(256 * 1024));
    const first = Buffer.concat([parts.head, parts.file.subarray(0, 64 * 1024)]);
    const rest = Buffer.concat([parts.file.subarray(64 * 1024), parts.tail]);
    const base = t.facade.totalReceived;
    const held = heldBody(first, rest);
    const answer = upload(t, held.body, '?fleet=plant-7');
    // The rest is only sent once the facade has the first part: a buffering api would never get here.
    await t.facade.bytesReceived(base + first.length);
    held.release();
    const res = await answer;
    expect(res.status).toBe(201);
    const view = await res.json();
    expect(view).toMatchObject({
      fleet: 'plant-7',
      name: 'edge-config',
      version: '1.0.0',
      length: parts.file.length,
      sha256: createHash('sha256').update(parts.file).digest('hex'),
    });
    const seen = t.facade.uploads.at(-1)!;
    expect(seen.bodySha256).toBe(
      createHash('sha256')
        .update(Buffer.concat([first, rest]))
        .digest('hex'),
    );
    expect(seen.headers.authorization).toBe(`Bearer ${t.internalToken}`);
    expect(seen.headers['content-type']).toBe(`multipart/form-data; boundary=${boundary}`);
    expect(JSON.stringify(seen.headers)).not.toContain(t.adminToken);
  });

  it("relays the facade's refusal with its status and body", async () => {
    const parts = form('edge-config', '1.0.0', Buffer.from('{}'));
    const res = await upload(t, Buffer.concat([parts.head, parts.file, parts.tail]), '?fleet=plant-7');
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error).toMatchObject({ kind: 'RuleViolation', code: 'artifact.exists' });
  });

  it('refuses a body that is not multipart and a bad fleet before calling the facade', async () => {
    const uploads = t.facade.uploads.length;
    const json = await fetch(`${t.url}/v1/artifacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('upload.not-multipart');
    const parts = form('x', '1', Buffer.from('x'));
    expect((await upload(t, Buffer.concat([parts.head, parts.file, parts.tail]), '?fleet=NOPE')).status).toBe(400);
    expect(t.facade.uploads.length).toBe(uploads);
  });

  it('answers 503 when the facade cannot be reached', async () => {
    const down = await startApiApp({ KEELSON_FACADE_URL: 'http://127.0.0.1:1' });
    try {
      const parts = form('x', '1', Buffer.from('x'));
      const res = await upload(down, Buffer.concat([parts.head, parts.file, parts.tail]));
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { code: string } }).error).toMatchObject({
        kind: 'Unavailable',
        code: 'registry.unavailable',
      });
    } finally {
      await down.close();
    }
  });
});
