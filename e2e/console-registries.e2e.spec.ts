import type { Browser, Page } from 'playwright-core';
import { startDockerRegistry, type RunningDockerRegistry } from '../services/registry-facade/src/test-fixtures/docker-registry.js';
import { launchConsole, signIn, withPage } from './support/console-browser.js';
import { eventually } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Debian's Chromium (`.ci/run` installs it); the spec fails, never skips, when it is missing.
const user = { username: 'ci-robot', password: 'console-registry-secret-4b2d' };

// Issue 13, item 1: the console lists registry connections, tests and removes them; it never holds a credential.
describe('registry connections in the operator console', () => {
  let platform: TestPlatform;
  let harbor: RunningDockerRegistry;
  let open: RunningDockerRegistry;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [platform, harbor, open] = await Promise.all([
      startTestPlatform({ tls: false }),
      startDockerRegistry({ kind: 'htpasswd', ...user }),
      startDockerRegistry({ kind: 'none' }, { tls: false }),
    ]);
    ({ browser, page } = await launchConsole(pageErrors));
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await Promise.all([harbor?.stop(), open?.stop()]);
    await platform?.destroy();
  }, 60_000);

  const row = (name: string) => page.locator(`#registry-list tr[data-key="${name}"]`);

  it('lists connections with whether credentials are set, tests one, shows why another fails, and removes one', async () => {
    const connected = await platform.api('/v1/registries', { body: { name: 'harbor', url: harbor.url, ...user, caPem: harbor.caPem } });
    expect(connected.status).toBe(201);
    expect((await platform.api('/v1/registries', { body: { name: 'scratch', url: open.url } })).status).toBe(201);
    await eventually('both connections listed', async () =>
      (await platform.api<{ items: unknown[] }>('/v1/registries')).body.items.length === 2 ? true : undefined,
    );

    await signIn(page, platform);
    await page.click('#nav a[href="#/registries"]');
    await row('harbor')
      .waitFor()
      .catch((err: Error) => withPage(page, pageErrors, err));
    expect(await row('harbor').locator('td[data-col="Credentials"]').textContent()).toBe('set (user ci-robot)');
    expect(await row('scratch').locator('td[data-col="Credentials"]').textContent()).toBe('none');
    expect(await page.content()).not.toContain(user.password);

    await row('harbor').getByRole('button', { name: 'Test' }).click();
    await row('harbor').locator('td[data-col="Test"]', { hasText: 'ok' }).waitFor();
    expect(await row('harbor').locator('td[data-col="Test"]').textContent()).toMatch(/^ok \d+ ms, basic$/);

    await open.stop();
    await row('scratch').getByRole('button', { name: 'Test' }).click();
    await row('scratch').locator('td[data-col="Test"]', { hasText: 'failed' }).waitFor();
    expect(await row('scratch').locator('td[data-col="Test"]').textContent()).toContain('unreachable');

    await row('scratch').getByRole('button', { name: 'Remove' }).click();
    await row('scratch').waitFor({ state: 'detached' });
    expect((await platform.api('/v1/registries/scratch')).status).toBe(404);
    expect(pageErrors).toEqual([]);
  });
});
