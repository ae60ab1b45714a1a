import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The CLI is specified against the real api app and the real signer; their fixtures are test-only code, not dependencies.
import { startApiApp, type ApiTestApp } from '@keelson/api/testing';
import { startSigner, type SignerApp } from '@keelson/signer/testing';
import { keelson, type CliRun } from '../../test-fixtures/run-cli.js';

describe('keelson tuf: the offline root ceremony and the node it is imported into', () => {
  let t: ApiTestApp;
  let s: SignerApp;
  let dir: string;
  let run: (...args: string[]) => Promise<CliRun>;
  /** The offline machine: no URL that answers and no token. */
  const offline = (...args: string[]) => keelson('http://127.0.0.1:9', undefined, ...args);

  beforeAll(async () => {
    t = await startApiApp();
    s = await startSigner({}, { naming: t.naming, dataDir: mkdtempSync(join(tmpdir(), 'keelson-cli-signer-')) });
    run = (...args) => keelson(t.url, t.adminToken, ...args, '--fleet', 'yard');
    dir = mkdtempSync(join(tmpdir(), 'keelson-ceremony-'));
  });

  afterAll(async () => {
    await s.close();
    await t.close();
    rmSync(s.dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  const exportKeys = async (file: string) => {
    const exported = await run('tuf', 'keys', 'export');
    expect(exported.code).toBe(0);
    writeFileSync(join(dir, file), exported.stdout);
    return JSON.parse(exported.stdout) as { development: boolean; keys: { role: string; keyId: string; inRoot: boolean }[] };
  };

  it('shows the development root the fleet starts with', async () => {
    const shown = await run('tuf', 'root', 'show');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/root v1 \(development: every key online\)/);
  });

  it('moves the fleet to an offline root: export on the node, init and sign offline, import on the node', async () => {
    expect((await exportKeys('online-keys.json')).development).toBe(true);
    const init = await offline(
      'tuf',
      'root',
      'init',
      '--keys',
      '3',
      '--threshold',
      '2',
      '--out',
      join(dir, 'ceremony'),
      '--online-keys',
      join(dir, 'online-keys.json'),
      '--json',
    );
    expect(init.code).toBe(0);
    const made = init.json() as { version: number; root: string; keys: string[] };
    expect(made.version).toBe(2);
    for (const key of made.keys) expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(made.root, 'utf8')).not.toMatch(/PRIVATE KEY/);

    const again = await offline(
      'tuf',
      'root',
      'init',
      '--keys',
      '3',
      '--threshold',
      '2',
      '--out',
      join(dir, 'ceremony'),
      '--online-keys',
      join(dir, 'online-keys.json'),
    );
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; refusing to overwrite/);

    const one = await offline('tuf', 'root', 'sign', '--root', made.root, '--key', made.keys[0]!, '--out', join(dir, 'one.json'));
    expect(one.stdout).toMatch(/signed by 1 of the 2 new root keys needed/);
    const refused = await run('tuf', 'root', 'import', '--root', join(dir, 'one.json'), '--json');
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({ error: { kind: 'RuleViolation', code: 'tuf.signature-invalid' } });

    expect((await offline('tuf', 'root', 'sign', '--root', made.root, '--key', made.keys[0]!, '--key', made.keys[2]!)).code).toBe(0);
    const imported = await run('tuf', 'root', 'import', '--root', made.root);
    expect(imported.stdout).toMatch(/root v2 in force \(production: the node holds no root key\)/);
    expect(readdirSync(join(s.dataDir, 'keys', 'yard')).filter((f) => f.startsWith('root-'))).toEqual([]);
    expect((await run('tuf', 'root', 'show')).stdout).toMatch(/root v2 \(production\)/);
  });

  it('rotates the targets key: pending on the node until a new offline root, signed by old and new root keys, names it', async () => {
    const rotated = await run('tuf', 'keys', 'rotate', '--role', 'targets', '--json');
    expect(rotated.json()).toMatchObject({ role: 'targets', pending: true, rootVersion: 2 });
    const keys = await exportKeys('online-keys-2.json');
    expect(keys.keys.filter((k) => k.role === 'targets' && !k.inRoot).map((k) => k.keyId)).toEqual([rotated.json().keyId]);

    const init = await offline(
      'tuf',
      'root',
      'init',
      '--keys',
      '2',
      '--threshold',
      '2',
      '--out',
      join(dir, 'ceremony-3'),
      '--online-keys',
      join(dir, 'online-keys-2.json'),
      '--rotate-online-keys',
      '--json',
    );
    const made = init.json() as { version: number; root: string; keys: string[] };
    expect(made.version).toBe(3);
    const oldKeys = [join(dir, 'ceremony', 'root-key-2.pem'), join(dir, 'ceremony', 'root-key-3.pem')];
    const newOnly = await offline(
      'tuf',
      'root',
      'sign',
      '--root',
      made.root,
      '--key',
      made.keys[0]!,
      '--key',
      made.keys[1]!,
      '--out',
      join(dir, 'new-only.json'),
    );
    expect(newOnly.code).toBe(0);
    expect((await run('tuf', 'root', 'import', '--root', join(dir, 'new-only.json'), '--json')).json()).toMatchObject({
      error: { code: 'tuf.signature-invalid' },
    });

    await offline(
      'tuf',
      'root',
      'sign',
      '--root',
      made.root,
      '--key',
      made.keys[0]!,
      '--key',
      made.keys[1]!,
      '--key',
      oldKeys[0]!,
      '--key',
      oldKeys[1]!,
    );
    expect((await run('tuf', 'root', 'import', '--root', made.root, '--json')).json()).toEqual({ version: 3, development: false });
    expect(readdirSync(join(s.dataDir, 'keys', 'yard')).filter((f) => f.startsWith('targets-'))).toEqual([
      `targets-${rotated.json().keyId}.key`,
    ]);
  });

  it('refuses bad input before anything reaches the signer', async () => {
    expect((await run('tuf', 'keys', 'rotate', '--role', 'root')).code).toBe(2);
    const res = await fetch(`${t.url}/v1/tuf/root?fleet=yard`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      body: '{"signed":{}}',
    });
    expect(res.status).toBe(400);
    expect((await run('tuf', 'root', 'show')).stdout).toMatch(/root v3/);
  });
});
