import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventStreams, EventStore } from '@keelson/event-store';
import { parseAuditCloudEvent, parseEvent, type AuditCloudEvent, type KeelsonEvent } from '@keelson/events';
import { openDatabase } from '@keelson/postgres';
import { keelson } from '../services/cli/src/test-fixtures/run-cli.js';
import { connectDiagnostics } from './support/event-streams.js';
import { eventually } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// More entries than one page of the export (500) and than one reply of the audit query, so the
// export must go on from cursor to cursor; a reason that CSV has to quote.
const halts = 1_150;
const awkwardReason = 'operator said "stop", then, on a new line:\r\nwait';

/** RFC 4180 read back: quoted fields may hold quotes (doubled), commas and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  const field = /"((?:[^"]|"")*)"|([^,\r\n"]*)/y;
  let at = 0;
  while (at < text.length) {
    field.lastIndex = at;
    const m = field.exec(text)!;
    row.push(m[1] !== undefined ? m[1].replaceAll('""', '"') : m[2]!);
    at = field.lastIndex;
    if (text[at] === ',') {
      at += 1;
    } else if (text.startsWith('\r\n', at)) {
      rows.push(row);
      row = [];
      at += 2;
    } else {
      throw new Error(`not CSV at offset ${at}: ${JSON.stringify(text.slice(at, at + 20))}`);
    }
  }
  return rows;
}

describe('audit-out: exporting and verifying the audit log through the api and the CLI', () => {
  let platform: TestPlatform;
  let nc: NatsConnection;
  let dir: string;
  let window: { since: string; until: string };
  const cli = (...args: string[]) => keelson(platform.apiUrl, platform.adminToken, ...args);
  const get = (path: string) => fetch(`${platform.apiUrl}${path}`, { headers: { authorization: `Bearer ${platform.adminToken}` } });

  beforeAll(async () => {
    platform = await startTestPlatform({ tls: false, services: ['api', 'audit'], diagnosticsUser: true });
    dir = mkdtempSync(join(tmpdir(), 'keelson-audit-export-'));
    nc = await connectDiagnostics(platform);
    const rollouts = new EventStore<KeelsonEvent>({
      nc,
      naming: { streamPrefix: '', subjectPrefix: '' },
      stream: eventStreams.orchestrator,
      parse: parseEvent,
    });
    const since = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < halts; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, halts - i) }, (_, k) => {
          const id = `r-${i + k}`;
          const reason = i + k === 7 ? awkwardReason : 'operator asked';
          const event = {
            type: 'RolloutHalted',
            schemaVersion: 1,
            data: { fleet: 'default', rolloutId: id, reason, automatic: false, haltedAt: since },
          } as KeelsonEvent;
          return rollouts.append(rollouts.subject('rollout', 'default', id), 0, [event], {
            actor: { kind: 'operator', id: 'admin' },
            correlationId: `c-${id}`,
            commandId: `halt-${id}`,
          });
        }),
      );
    }
    window = { since, until: new Date(Date.now() + 60_000).toISOString() };
    const verified = async () => ((await platform.api<{ entries: number }>('/v1/audit/verify')).body.entries >= halts ? true : undefined);
    await eventually('the audit recorded every halt', verified, 60_000);
  }, 240_000);

  afterAll(async () => {
    await nc?.close();
    await platform?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('streams every entry of the window as NDJSON, oldest first, each once, across pages', async () => {
    const res = await get(`/v1/audit/export?since=${window.since}&until=${window.until}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const lines = (await res.text()).split('\n');
    expect(lines.pop()).toBe('');
    const entries: AuditCloudEvent[] = lines.map((l) => parseAuditCloudEvent(JSON.parse(l)));
    const halted = entries.filter((e) => e.type === 'io.keelson.rollout.RolloutHalted');
    expect(halted).toHaveLength(halts);
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    expect(entries.map((e) => e.time)).toEqual(entries.map((e) => e.time).sort());
  });

  it('writes CSV with a header row and quotes what needs quoting, through the CLI into a file', async () => {
    const file = join(dir, 'audit.csv');
    const run = await cli('audit', 'export', '--since', window.since, '--until', window.until, '--format', 'csv', '--output', file);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(`${file}.partial`)).toBe(false);
    const [header, ...rows] = parseCsv(readFileSync(file, 'utf8'));
    expect(header).toEqual(['time', 'id', 'type', 'fleet', 'actor', 'subject', 'stream', 'seq', 'prevhash', 'hash', 'data']);
    expect(rows.filter((r) => r[2] === 'io.keelson.rollout.RolloutHalted')).toHaveLength(halts);
    expect(rows.every((r) => r.length === header!.length)).toBe(true);
    const awkward = rows.find((r) => r[5] === 'ev.rollout.default.r-7')!;
    expect(JSON.parse(awkward[10]!)).toMatchObject({ rolloutId: 'r-7', reason: awkwardReason });
  });

  it('narrows to one rollout, and to standard output', async () => {
    const run = await cli('audit', 'export', '--since', window.since, '--until', window.until, '--rollout', 'r-42');
    expect(run.code).toBe(0);
    const entries = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditCloudEvent);
    expect(entries.map((e) => [e.subject, e.data.rolloutId])).toEqual([['ev.rollout.default.r-42', 'r-42']]);
  });

  it('refuses a window that ends before it starts, a missing bound and two narrowings, before streaming anything', async () => {
    const backwards = await get(`/v1/audit/export?since=${window.until}&until=${window.since}`);
    expect(backwards.status).toBe(400);
    expect(((await backwards.json()) as { error: { message: string } }).error).toMatchObject({ code: 'query.invalid' });
    expect((await get(`/v1/audit/export?since=${window.since}`)).status).toBe(400);
    expect(await cli('audit', 'export', '--since', window.since)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--since and --until'),
    });
    const both = await cli('audit', 'export', '--since', window.since, '--until', window.until, '--rollout', 'r-1', '--device', 'd-1');
    expect(both).toMatchObject({ code: 2, stderr: expect.stringContaining('at most one of') });
    expect(await cli('audit', 'export', '--since', window.since, '--until', window.until, '--format', 'xml')).toMatchObject({ code: 2 });
  });

  it('verifies the whole chain: intact, with its length and head', async () => {
    const { body } = await platform.api<{ intact: boolean; entries: number; headHash: string }>('/v1/audit/verify');
    expect(body).toMatchObject({ intact: true, entries: expect.any(Number) });
    expect(body.entries).toBeGreaterThanOrEqual(halts);
    const run = await cli('audit', 'verify');
    expect(run).toMatchObject({ code: 0, stdout: `audit chain intact: ${body.entries} entries, head ${body.headHash}\n` });
  });

  describe('when someone with database access rewrites an entry', () => {
    beforeAll(async () => {
      const db = await openDatabase({ url: await platform.databaseUrlOf('audit') });
      try {
        await db.transaction(async (sql) => {
          await sql.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
          await sql.query(`UPDATE audit_log SET actor = 'operator:mallory' WHERE position = 600`);
          await sql.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
        });
      } finally {
        await db.close();
      }
    });

    it('names the first broken link: its position, its entry and what differs', async () => {
      const { status, body } = await platform.api<{ intact: boolean; entries: number; firstBroken: Record<string, unknown> }>(
        '/v1/audit/verify',
      );
      expect(status).toBe(200);
      expect(body).toMatchObject({ intact: false, entries: 599 });
      expect(body.firstBroken).toMatchObject({ position: 600, problem: 'hash', entryId: expect.stringMatching(/^EV_ROLLOUTS:\d+$/) });
      expect(body.firstBroken.expected).toMatch(/^[0-9a-f]{64}$/);
      expect(body.firstBroken.found).not.toBe(body.firstBroken.expected);
    });

    it('and the CLI says so with exit code 1', async () => {
      const run = await cli('audit', 'verify');
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('audit chain BROKEN at position 600 (entry EV_ROLLOUTS:');
      expect(run.stdout).toContain('changed after it was written');
    });
  });
});
