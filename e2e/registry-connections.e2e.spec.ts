import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '@keelson/testing';
import { keelson, keelsonWithStdin } from '../services/cli/src/test-fixtures/run-cli.js';
import { startDockerRegistry, type RunningDockerRegistry } from '../services/registry-facade/src/test-fixtures/docker-registry.js';
import { startTokenRealm } from '../services/registry-facade/src/test-fixtures/token-realm.js';
import { streamTexts } from './support/container-artifacts.js';
import { connectRegistry, startWithRegistry } from './support/docker-registries.js';
import { auditOf } from './support/operator.js';
import type { TestPlatform } from './support/test-platform.js';

// Issue 13, item 1: an operator connects a registry it already uses; the credentials are checked
// against the registry, sealed in the facade, and never seen again by anyone: not in an answer, an
// event, an audit entry or a log. Every change is audited; bad input changes nothing.
const password = 'harbor-robot-secret-9f3a7c1e';
const user = { username: 'ci-robot', password };

describe('registry connections through the CLI, on the whole platform and a real docker-registry', () => {
  let platform: TestPlatform;
  let upstream: RunningDockerRegistry;
  let caFile: string;

  beforeAll(async () => {
    caFile = await startWithRegistry(user, (p, u) => {
      platform = p;
      upstream = u;
    });
  }, 240_000);
  afterAll(async () => {
    await upstream?.stop();
    await platform?.destroy();
  }, 60_000);

  const cli = (...args: string[]) => keelson(platform.apiUrl, platform.adminToken, ...args);
  const cliStdin = (stdin: string, ...args: string[]) => keelsonWithStdin(platform.apiUrl, platform.adminToken, stdin, ...args);
  const connectHarbor = (secret: string) =>
    connectRegistry(platform, { name: 'harbor', url: upstream.url, username: user.username, caFile }, secret);
  const listed = async () =>
    (await cli('registry', 'list', '--json')).json().items as { name: string; credentialsSet: boolean; connectedAt: string }[];
  const auditItems = () => auditOf(platform, '');

  it('refuses a wrong password, a bad CA and an unreachable registry with a clear error, recording nothing', async () => {
    const wrong = await connectHarbor('not-the-password');
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining(`refused the credentials of user 'ci-robot'`) });
    expect(wrong.stderr).not.toContain('not-the-password');

    const untrusted = await cliStdin(
      `${password}\n`,
      ...['registry', 'connect', 'harbor', '--url', upstream.url, '--username', user.username, '--password-stdin'],
    );
    expect(untrusted).toMatchObject({ code: 1, stderr: expect.stringContaining('not trusted') });

    const notCa = join(platform.home, 'not-a-ca.pem');
    writeFileSync(notCa, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    expect(await cli('registry', 'connect', 'harbor', '--url', upstream.url, '--ca-file', notCa)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('registry.bad-ca'),
    });

    const unreachable = await cli('registry', 'connect', 'gone', '--url', 'http://127.0.0.1:9');
    expect(unreachable).toMatchObject({ code: 1, stderr: expect.stringContaining('unreachable') });
    expect(await listed()).toEqual([]);
  });

  it('refuses bad names, URLs and half-given credentials before anything is tried', async () => {
    expect((await cli('registry', 'connect', 'Bad/Name', '--url', upstream.url)).code).toBe(1);
    expect(await cli('registry', 'connect', 'harbor', '--url', 'https://u:p@registry.example')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('without credentials'),
    });
    expect(await cli('registry', 'connect', 'harbor', '--url', 'ftp://registry.example')).toMatchObject({ code: 1 });
    expect((await cli('registry', 'connect', 'harbor', '--url', upstream.url, '--username', 'ci-robot')).code).toBe(2);
    expect((await cli('registry', 'connect', 'harbor')).code).toBe(2);
    expect(await listed()).toEqual([]);
  });

  it('connects, shows whether credentials are set but never them, tests, and refuses the name twice', async () => {
    const connected = await connectHarbor(password);
    expect(connected).toMatchObject({ code: 0, stdout: `registry harbor connected: ${upstream.url}, credentials set (user ci-robot)\n` });

    const shown = await cli('registry', 'show', 'harbor', '--json');
    expect(shown.json()).toMatchObject({
      name: 'harbor',
      url: upstream.url,
      username: 'ci-robot',
      credentialsSet: true,
      caFingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(shown.stdout).not.toContain(password);

    expect(await cli('registry', 'test', 'harbor')).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^registry harbor answered in \d+ ms \(basic, registry\/2\.0\)\n$/),
    });

    await eventually(async () => (await listed()).length === 1);
    const before = await listed();
    expect(await connectHarbor(password)).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("a registry named 'harbor' is connected"),
    });
    expect(await listed()).toEqual(before);
  });

  it('keeps the old credentials when new ones are refused, and rotates to ones the registry accepts', async () => {
    const refused = await cliStdin('wrong\n', 'registry', 'rotate-credentials', 'harbor', '--username', 'ci-robot', '--password-stdin');
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('refused the credentials') });
    expect((await cli('registry', 'test', 'harbor')).code).toBe(0);

    const rotated = await cliStdin(
      `${password}\n`,
      'registry',
      'rotate-credentials',
      'harbor',
      '--username',
      'ci-robot',
      '--password-stdin',
      '--json',
    );
    expect(rotated.json()).toMatchObject({ credentialsSet: true, credentialsChangedAt: expect.any(String) });
    expect((await cli('registry', 'test', 'harbor')).code).toBe(0);

    expect((await cli('registry', 'rotate-credentials', 'harbor', '--clear')).code).toBe(0);
    expect(await cli('registry', 'test', 'harbor')).toMatchObject({ code: 1, stderr: expect.stringContaining('requires credentials') });
  });

  it("connects a token-realm registry with --allow-realm naming the realm's origin, and refuses without it", async () => {
    const tlsDir = join(platform.home, 'realm-tls');
    const realm = await startTokenRealm(user, tlsDir);
    const tokens = await startDockerRegistry(
      { kind: 'token', realm: realm.realm, service: realm.service, issuer: realm.issuer, rootCertBundle: realm.rootCertBundle },
      { tlsDir },
    );
    try {
      const connection = { name: 'tokens', url: tokens.url, username: user.username, caFile: tokens.caFile! };
      expect(await connectRegistry(platform, connection, password)).toMatchObject({
        code: 1,
        stderr: expect.stringContaining('--allow-realm'),
      });
      expect(realm.received).toEqual([]);
      const allowed = await connectRegistry(platform, connection, password, '--allow-realm', new URL(realm.realm).origin);
      expect(allowed).toMatchObject({ code: 0 });
      expect(await cli('registry', 'test', 'tokens')).toMatchObject({ code: 0, stdout: expect.stringContaining('(bearer') });
      expect((await cli('registry', 'remove', 'tokens')).code).toBe(0);
    } finally {
      await tokens.stop();
      await realm.close();
    }
  });

  it('says an unknown name is not found for show, test, rotate and remove', async () => {
    for (const verb of ['show', 'test', 'remove'])
      expect(await cli('registry', verb, 'nowhere')).toMatchObject({
        code: 1,
        stderr: expect.stringContaining("registry 'nowhere' was not found"),
      });
    expect((await cli('registry', 'rotate-credentials', 'nowhere', '--clear')).code).toBe(1);
  });

  it('removes a connection, audits every change as the operator, and the password is in no event, audit entry or log', async () => {
    expect(await cli('registry', 'remove', 'harbor')).toMatchObject({ code: 0, stdout: 'registry harbor removed\n' });
    expect((await cli('registry', 'test', 'harbor')).code).toBe(1);
    await eventually(async () => (await listed()).length === 0);

    await eventually(async () => (await auditItems()).some((e) => e.type.endsWith('.RegistryRemoved')));
    const items = (await auditItems()).filter(
      (e) => /\.Registry(Connected|CredentialsRotated|Removed)$/.test(e.type) && e.data.name === 'harbor',
    );
    expect(items.map((e) => e.type.split('.').at(-1))).toEqual([
      'RegistryConnected',
      'RegistryCredentialsRotated',
      'RegistryCredentialsRotated',
      'RegistryRemoved',
    ]);
    for (const e of items) expect(e.keelsonactor).toBe('operator:admin');
    expect(items[0]!.data).toMatchObject({ name: 'harbor', url: upstream.url, username: 'ci-robot' });
    expect(JSON.stringify(await auditItems())).not.toContain(password);

    for (const text of await streamTexts(platform, 'EV_ARTIFACTS', { everyOne: true })) expect(text).not.toContain(password);
    const logs = join(platform.home, 'logs');
    for (const file of readdirSync(logs)) expect(readFileSync(join(logs, file), 'utf8')).not.toContain(password);
  });
});
