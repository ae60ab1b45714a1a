import type { Browser, Page } from 'playwright-core';
import { launchConsole } from './support/console-browser.js';
import { startFleet, type TestFleet } from './support/fleet.js';
import { eventually } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// A device name and a label value that would run script if the console ever parsed data as HTML.
const hostileName = '<img src=x onerror="window.__pwned=1">';
const hostileLabel = '<script>window.__pwned=2</script>';

// Issue 4 and the product brief: the console an operator opens after `npm start`, in a real browser
// against a real platform and simulated devices: signing in, the devices, adding and decommissioning
// one, refusals. Rollouts followed live: console-rollouts.e2e.spec.ts.
describe('the operator console in a browser', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  let odd: TestFleet;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  const cells = (table: string, column: string) => page.locator(`${table} td[data-col="${column}"]`).allTextContents();
  /**
   * The page rendered for `hash` once it has loaded: its table, "No entries." or its refusal. A click
   * that changes the hash renders on the next event, so until then the page before it is still there
   * (under load, long enough to fill its form or read its table).
   */
  const loaded = async (hash: string) => {
    const section = page.locator(`#view section[data-route="${hash}"]`);
    await section.locator('table, .error, p.muted:text-is("No entries.")').first().waitFor();
    return section;
  };

  beforeAll(async () => {
    ({ browser, page } = await launchConsole(pageErrors, undefined, {
      permissions: ['clipboard-read', 'clipboard-write'],
      consoleErrors: true,
    }));
    platform = await startTestPlatform();
    fleet = await startFleet(platform, { count: 2, profileOf: () => ({ labels: { site: 'north', note: hostileLabel } }) });
    odd = await startFleet(platform, { count: 1, namePrefix: hostileName });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await odd?.stop();
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('refuses a wrong token, then signs in with the admin token kept in sessionStorage only', async () => {
    await page.goto(`${platform.apiUrl}/`);
    expect(new URL(page.url()).pathname).toBe('/console/');
    await page.fill('#token', 'not-the-admin-token');
    await page.click('#sign-in button[type=submit]');
    await page.getByText('That token was refused.').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    await page.fill('#token', platform.adminToken);
    await page.click('#sign-in button[type=submit]');
    await page.locator('#device-list tr[data-key]').nth(2).waitFor();
    expect(await page.evaluate('sessionStorage.getItem("keelson.console.token")')).toBe(platform.adminToken);
    expect(await page.evaluate('localStorage.length')).toBe(0);
  });

  it('lists the devices with status, reachability and labels, a hostile name and label shown as text', async () => {
    expect((await cells('#device-list', 'Name')).sort()).toEqual([`${hostileName}1`, 'sim-1', 'sim-2'].sort());
    expect(await cells('#device-list', 'Status')).toEqual(['active', 'active', 'active']);
    expect(await cells('#device-list', 'Reachable')).toEqual(['yes', 'yes', 'yes']);
    expect((await cells('#device-list', 'Labels')).filter((l) => l.includes(`note=${hostileLabel}`))).toHaveLength(2);
    expect(await page.locator('#device-list img, #device-list script').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
  });

  it('reads a long list a page at a time: the first page, then the rest on "Show more"', async () => {
    await page.goto(`${platform.apiUrl}/console/#/devices?limit=2`);
    await page.locator('#device-list .paging', { hasText: 'Showing the first 2 devices.' }).waitFor();
    expect(await page.locator('#device-list tr[data-key]').count()).toBe(2);
    await page.click('#device-list .show-more');
    await page.locator('#device-list .paging', { hasText: /^3 devices\.$/ }).waitFor();
    expect(new Set(await cells('#device-list', 'Name')).size).toBe(3); // every device once
    expect(await page.locator('#device-list .show-more').isHidden()).toBe(true);
    await page.goto(`${platform.apiUrl}/console/#/devices`);
    await page.locator('#device-list .paging', { hasText: /^3 devices\.$/ }).waitFor();
  });

  it('adds a device: an enrollment token with its expiry and the installer command line, copied', async () => {
    await page.click('#add-device');
    await page.fill('#enroll-labels', 'site=south, line=2');
    await page.click('#add-device-panel button[type=submit]');
    const command = await page.locator('#enroll-command').textContent();
    expect(command).toMatch(
      new RegExp(`^npx keelson-agent enroll --gateway ${platform.gatewayUrl}/? --token \\S{20,} --ca-fingerprint \\S+ --data-dir \\S+$`),
    );
    const expires = Date.parse((await page.locator('#enroll-expires').getAttribute('datetime'))!);
    expect(expires - Date.now()).toBeGreaterThan(55 * 60_000);
    expect(expires - Date.now()).toBeLessThan(61 * 60_000);
    await page.click('#copy-enroll-command');
    await page.getByText('copied').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(command);

    // The runbook's re-enrollment of a wiped device: a token for that device, its own command line.
    await page.locator('#device-list tr', { hasText: 'sim-1' }).getByRole('button', { name: 'Re-enroll' }).click();
    await page.getByRole('heading', { name: 'Re-enroll sim-1' }).waitFor();
    expect(await page.locator('#enroll-labels').count()).toBe(0);
    await page.click('#add-device-panel button[type=submit]');
    await page.locator('#enroll-command', { hasText: 'keelson-agent enroll' }).waitFor();
    const again = await page.locator('#enroll-command').textContent();
    expect(again).toMatch(/--token \S{20,}/);
    expect(again).not.toBe(command);
  });

  it("shows the API's own message when it refuses a request", async () => {
    await page.click('nav a[href="#/audit"]');
    await loaded('#/audit');
    await page.fill('#audit-rollout', 'not/a rollout');
    await page.click('#view form button[type=submit]');
    const refused = await loaded(`#/audit?${new URLSearchParams({ rollout: 'not/a rollout' })}`);
    await refused.locator('.error', { hasText: 'must be a subject token' }).waitFor();
    expect(await page.locator('#audit-rollout').inputValue()).toBe('not/a rollout'); // still there to correct
  });

  it('decommissions a device after a confirmation; signing out forgets the token; a viewer API token reads but may not enroll', async () => {
    await page.click('nav a[href="#/devices"]');
    const row = page.locator('#device-list tr', { hasText: hostileName });
    await row.getByRole('button', { name: 'Decommission' }).click();
    await page
      .locator('#device-list tr', { hasText: hostileName })
      .locator('td[data-col="Status"]', { hasText: 'decommissioned' })
      .waitFor();
    await eventually(
      'the device decommissioned in the device list',
      async () => {
        const { body } = await platform.api<{ status: string }>(`/v1/devices/${odd.devices[0]!.deviceId}`);
        return body.status === 'decommissioned' ? true : undefined;
      },
      15_000,
    );

    await page.click('#sign-out');
    await page.locator('#sign-in').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();

    // An API token works too, within its role: a viewer sees the devices and may not add one.
    const viewer = await platform.api<{ token: string }>('/v1/tokens', { body: { name: 'console-viewer', role: 'viewer' } });
    await page.fill('#token', viewer.body.token);
    await page.click('#sign-in button[type=submit]');
    await page.locator('#device-list tr', { hasText: 'sim-1' }).waitFor();
    await page.click('#add-device');
    await page.click('#add-device-panel button[type=submit]');
    await page.locator('#enroll-outcome .error', { hasText: 'a viewer token cannot do this' }).waitFor();
    await page.click('#sign-out');
    // The refused token (401), filter (400) and enrollment (403) are logged as failed loads; nothing else.
    expect(pageErrors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
  });
});
