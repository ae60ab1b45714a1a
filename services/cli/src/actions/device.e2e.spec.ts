// The CLI is specified against the real api app; its fixture (responders, facade stand-in) is test-only code, not a dependency.
import { startApiApp, type ApiTestApp } from '@keelson/api/testing';
import { keelson, type CliRun } from '../test-fixtures/run-cli.js';

describe('keelson device', () => {
  let t: ApiTestApp;
  let run: (...args: string[]) => Promise<CliRun>;

  beforeAll(async () => {
    t = await startApiApp();
    run = (...args) => keelson(t.url, t.adminToken, ...args);
    t.gateway.addDevice('yard-2', 'dev-y1', 'cam-11', {
      labels: { site: 'north', line: '2' },
      hardware: { architecture: 'arm64', accelerator: 'hailo-8', memoryMb: 8192 },
      reachable: false,
      lastSeenAt: '2026-11-21T08:30:00.000Z',
      certificateExpiresAt: '2027-02-19T08:00:00.000Z',
      installed: [{ name: 'yolo-v8n', version: '2.1.0', sha256: 'a'.repeat(64) }],
      desiredGeneration: 3,
      assignments: [{ assignmentId: 'as-1', rolloutId: 'r-7', state: 'healthy', reportedAt: '2026-11-21T08:29:00.000Z' }],
    });
    t.gateway.addDevice('yard-2', 'dev-y2', 'cam-twin');
    t.gateway.addDevice('yard-2', 'dev-y3', 'cam-twin');
    t.gateway.addDevice('yard-2', 'dev-y4', 'cam-12');
    t.gateway.addDevice('yard-2', 'dev-y5', 'cam-12', { status: 'decommissioned' }); // a replaced device: the active one is meant
  });
  afterAll(() => t.close());

  describe('token --labels', () => {
    it('gives the new device the labels, written as in the console', async () => {
      const res = await run('device', 'token', '--labels', 'site=north, line=2', '--ttl', '600');
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/^npx keelson-agent enroll .*--token ket_default_\S+/);
      expect(t.gateway.issued.at(-1)).toMatchObject({ labels: { site: 'north', line: '2' }, ttlSeconds: 600 });
    });

    it('refuses bad labels, and labels on a re-enrollment, before minting anything', async () => {
      const minted = t.gateway.issued.length;
      expect(await run('device', 'token', '--labels', 'site')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining("--labels: 'site' is not key=value"),
      });
      expect(await run('device', 'token', '--labels', 'site=a, site=b')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining("'site' is given twice"),
      });
      expect(await run('device', 'token', '--labels', 'my site=a')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining("'my site' is not a label key"),
      });
      expect(await run('device', 'token', '--labels', 'site=a', '--reenroll', 'dev-y1')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('not both'),
      });
      expect(t.gateway.issued).toHaveLength(minted);
    });
  });

  describe('token --group', () => {
    it('names the group the enrolled device joins, by name, and refuses one that does not exist before minting', async () => {
      t.gateway.groups.push({ fleet: 'default', groupId: 'g-00000000000000aa', name: 'line-7', deviceIds: [], unresolvedNames: [] });
      const res = await run('device', 'token', '--group', 'line-7');
      expect(res).toMatchObject({ code: 0, stderr: expect.stringContaining('(the device joins group line-7)') });
      expect(t.gateway.issued.at(-1)).toMatchObject({ groupId: 'g-00000000000000aa' });
      const minted = t.gateway.issued.length;
      expect(await run('device', 'token', '--group', 'no-such-line')).toMatchObject({
        code: 1,
        stderr: expect.stringContaining("no group 'no-such-line'"),
      });
      expect(await run('device', 'token', '--group', 'line-7', '--reenroll', 'dev-y1')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('give --group or --reenroll, not both'),
      });
      expect(t.gateway.issued).toHaveLength(minted);
    });
  });

  describe('show', () => {
    const show = (...args: string[]) => run('device', 'show', ...args, '--fleet', 'yard-2');

    it('shows one device in full by id: health, labels, hardware, what it runs and its assignments', async () => {
      const res = await show('dev-y1');
      expect(res.code).toBe(0);
      const lines = [
        /^device dev-y1 \(cam-11\), fleet yard-2$/m,
        /^status\s+active$/m,
        /^reachable\s+no$/m,
        /^last seen\s+2026-11-21T08:30:00\.000Z$/m,
        /^certificate expires 2027-02-19T08:00:00\.000Z$/m,
        /^labels\s+site=north, line=2$/m,
        /^hardware\s+arm64, hailo-8, 8192 MB$/m,
        /^installed\s+yolo-v8n@2\.1\.0$/m,
        /^r-7\s+as-1\s+healthy\s+2026-11-21T08:29/m,
      ];
      for (const line of lines) expect(res.stdout).toMatch(line);
    });

    it('finds a device by name, preferring the active one over a decommissioned namesake', async () => {
      expect((await show('cam-11', '--json')).json()).toMatchObject({
        deviceId: 'dev-y1',
        labels: { site: 'north', line: '2' },
        hardware: { memoryMb: 8192 },
      });
      expect((await show('cam-12', '--json')).json()).toMatchObject({ deviceId: 'dev-y4', status: 'active' });
      expect((await show('cam-12')).stdout).toMatch(/last seen\s+never/);
      expect((await show('cam-12')).stdout).toMatch(/^certificate expires unknown \(enrolled before Keelson recorded it\)$/m);
    });

    it('refuses a name two active devices share, naming their ids', async () => {
      const twin = await show('cam-twin');
      expect(twin).toMatchObject({
        code: 2,
        stdout: '',
        stderr: expect.stringContaining("2 active devices are named 'cam-twin' (dev-y2, dev-y3): give the device id instead"),
      });
      expect((await show('cam-twin', '--json')).json().error).toMatchObject({ kind: 'InvalidInput', code: 'device.ambiguous-name' });
      expect((await show('dev-y3', '--json')).json()).toMatchObject({ deviceId: 'dev-y3', name: 'cam-twin' });
    });

    it('refuses to decommission by a shared name, and reports an unknown device', async () => {
      // Refused by the CLI before the POST: had it been sent, the api would have answered otherwise (exit 1).
      expect(await run('device', 'decommission', 'cam-twin', '--fleet', 'yard-2')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('give the device id'),
      });
      expect(await show('cam-99')).toMatchObject({ code: 1, stderr: expect.stringContaining("device 'cam-99' was not found") });
    });
  });

  describe('list filters and versions (groups-edit)', () => {
    it('passes search, status, label, installed, reachability and sort to the API, and refuses a --reachable that is not yes or no', async () => {
      const res = await run(
        'device',
        'list',
        '--fleet',
        'yard-2',
        '--search',
        'cam',
        '--status',
        'active',
        '--label',
        'site=north',
        '--installed',
        'yolo-v8n@2.1.0',
        '--reachable',
        'no',
        '--sort',
        'name',
      );
      expect(res.code).toBe(0);
      expect(t.gateway.lastDeviceQuery).toMatchObject({
        fleet: 'yard-2',
        search: 'cam',
        status: 'active',
        label: 'site=north',
        installed: 'yolo-v8n@2.1.0',
        reachable: false,
        sort: 'name',
      });
      expect(await run('device', 'list', '--reachable', 'maybe')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining("--reachable is yes or no, got 'maybe'"),
      });
      expect(await run('device', 'list', '--fleet', 'yard-2', '--label', 'north')).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('key=value'),
      });
    });

    it("prints the fleet-wide version distribution with each version's share of the active devices", async () => {
      const res = await run('device', 'versions', '--fleet', 'yard-2');
      expect(res).toMatchObject({ code: 0, stderr: '' });
      expect(res.stdout).toMatch(/VERSION\s+DEVICES\s+SHARE\nyolo-v8n@2\.1\.0\s+1\s+25%\n4 active devices; 3 run no artifact yet\n/);
    });
  });
});
