import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
// The CLI is specified against the real api app; its fixture (responders, facade stand-in) is test-only code, not a dependency.
import { startApiApp, type ApiTestApp } from '@keelson/api/testing';

const bin = fileURLToPath(new URL('../bin/keelson.mjs', import.meta.url));
const run = promisify(execFile);

// The compiled bin as operators run it (`npx keelson`): dist is built by `npm test`'s pretest.
describe('bin/keelson.mjs', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiApp();
    t.gateway.addDevice('default', 'dev-1', 'cam-01');
  });
  afterAll(() => t.close());

  it('lists devices through the API and exits 0', async () => {
    const { stdout } = await run(process.execPath, [bin, 'device', 'list', '--json'], {
      env: { KEELSON_URL: t.url, KEELSON_TOKEN: t.adminToken },
    });
    expect(JSON.parse(stdout).items.map((d: { name: string }) => d.name)).toEqual(['cam-01']);
  });

  it('sets a non-zero exit code with the message on failure', async () => {
    const failed = await run(process.execPath, [bin, 'rollout', 'show', 'r-none'], {
      env: { KEELSON_URL: t.url, KEELSON_TOKEN: t.adminToken },
    }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining("rollout 'r-none' was not found") });
  });
});
