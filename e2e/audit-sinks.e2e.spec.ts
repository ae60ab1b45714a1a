import { parseAuditCloudEvent } from '@keelson/events';
import { checkDelivery, signatureHeader } from '../services/audit/src/audit-sinks/sink-signature.js';
import { sinkReceiver, type SinkReceiver } from '../services/audit/src/test-fixtures/sink-receiver.js';
import { keelson, keelsonWithStdin } from '../services/cli/src/test-fixtures/run-cli.js';
import { auditOf, eventually } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

const secret = 'siem-shared-signing-secret-0123456789';

describe('audit-sink: webhook sinks through the api and the CLI', () => {
  let platform: TestPlatform;
  let receiver: SinkReceiver;
  const cli = (...args: string[]) => keelson(platform.apiUrl, platform.adminToken, ...args);
  const sinks = async () => (await platform.api<{ items: { name: string }[] }>('/v1/audit/sinks')).body.items.map((s) => s.name);

  beforeAll(async () => {
    platform = await startTestPlatform({ tls: false, services: ['api', 'audit'] });
    receiver = await sinkReceiver();
  }, 120_000);

  afterAll(async () => {
    await platform?.destroy();
    await receiver?.close();
  }, 60_000);

  it('adds a sink from the CLI (secret on stdin), delivers the log signed and in order, and audits the change without the secret', async () => {
    await platform.api('/v1/tokens', { method: 'POST', body: { name: 'CI deploys', role: 'operator' } }); // an entry to deliver
    const added = await keelsonWithStdin(
      platform.apiUrl,
      platform.adminToken,
      `${secret}\n`,
      'audit',
      'sink',
      'add',
      receiver.url('/siem'),
      '--secret-stdin',
      '--name',
      'siem',
      '--from-start',
    );
    expect(added.stderr).toBe('');
    expect(added.stdout).toBe(`audit sink siem added: ${receiver.url('/siem')}, delivering from position 1\n`);
    const types = () => receiver.accepted('/siem').map((d) => parseAuditCloudEvent(JSON.parse(d.body)).type);
    await eventually('the issue and the sink added were delivered', async () => (types().length >= 2 ? true : undefined), 30_000);
    expect(types().slice(0, 2)).toEqual(['io.keelson.apitoken.ApiTokenIssued', 'io.keelson.operator.AuditSinkAdded']);
    const delivered = receiver.accepted('/siem');
    expect(delivered.map((d) => d.headers['keelson-audit-position'])).toEqual(delivered.map((_, i) => String(i + 1)));
    const now = Math.floor(Date.now() / 1000);
    expect(delivered.map((d) => checkDelivery(secret, d.headers[signatureHeader.toLowerCase()] as string, d.body, now))).toEqual(
      delivered.map(() => undefined),
    );

    const [entry] = await auditOf(platform, 'type=AuditSinkAdded');
    expect(entry).toMatchObject({ keelsonactor: 'operator:admin' });
    expect(entry!.data).toMatchObject({ name: 'siem', url: receiver.url('/siem'), from: 1 });
    const shown = await cli('audit', 'sink', 'show', 'siem', '--json');
    expect(shown.json()).toMatchObject({ name: 'siem', paused: false, deadLetters: 0 });
    for (const text of [JSON.stringify(await auditOf(platform, '')), shown.stdout, (await cli('audit', 'sink', 'list')).stdout])
      expect(text).not.toContain(secret);
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const post = (body: unknown) => platform.api<{ code?: string; message?: string }>('/v1/audit/sinks', { method: 'POST', body });
    const before = await sinks();
    expect((await post({ url: 'not-a-url', secret })).status).toBe(400);
    expect((await post({ url: 'ftp://siem.example.com/', secret })).status).toBe(400);
    expect((await post({ url: receiver.url('/x') })).status).toBe(400);
    expect((await post({ url: receiver.url('/x'), secret, name: 'siem' })).status).toBe(409);
    const noSecret = await keelson(platform.apiUrl, platform.adminToken, 'audit', 'sink', 'add', receiver.url('/x'));
    expect(noSecret.code).not.toBe(0);
    expect(noSecret.stderr).toContain('--secret-stdin or --secret-file');
    expect((await platform.api('/v1/audit/sinks/nope')).status).toBe(404);
    expect((await platform.api('/v1/audit/sinks/nope', { method: 'DELETE' })).status).toBe(404);
    expect((await cli('audit', 'sink', 'remove', 'nope')).code).not.toBe(0);
    expect(await sinks()).toEqual(before);
  });

  it('lets only the fleet admin manage sinks', async () => {
    const { body } = await platform.api<{ token: string }>('/v1/tokens', { method: 'POST', body: { name: 'operator', role: 'operator' } });
    const asOperator = await fetch(`${platform.apiUrl}/v1/audit/sinks`, { headers: { authorization: `Bearer ${body.token}` } });
    expect(asOperator.status).toBe(403);
  });

  it('resumes a sink from the CLI, audited', async () => {
    expect((await cli('audit', 'sink', 'resume', 'siem')).stdout).toMatch(/^audit sink siem resumed at position \d+\n$/);
    await eventually('the resume is audited', async () =>
      (await auditOf(platform, 'type=AuditSinkResumed')).length === 1 ? true : undefined,
    );
  });

  it('removes a sink from the CLI, audited', async () => {
    expect((await cli('audit', 'sink', 'remove', 'siem')).stdout).toMatch(/^audit sink siem removed \(delivered to position \d+\)\n$/);
    expect(await sinks()).toEqual([]);
    await eventually('the removal is audited', async () =>
      (await auditOf(platform, 'type=AuditSinkRemoved')).length === 1 ? true : undefined,
    );
  });
});
