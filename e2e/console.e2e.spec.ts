import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { startFleet, type TestFleet } from './support/fleet.js';
import { auditOf, createGroup, createRollout, eventually, publishArtifact, rolloutBody, type ProbeSpec } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Debian's Chromium (`.ci/run` installs it); the spec fails, never skips, when it is missing.
const chromiumPath = process.env.KEELSON_CHROMIUM ?? '/usr/bin/chromium';
// A device name and a label value that would run script if the console ever parsed data as HTML.
const hostileName = '<img src=x onerror="window.__pwned=1">';
const hostileLabel = '<script>window.__pwned=2</script>';
const probe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1 };

// Issue 4 and the product brief: the console an operator opens after `npm start`, in a real browser
// against a real platform and simulated devices.
describe('the operator console in a browser', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  let odd: TestFleet;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  let declineNext = false;

  // Waits for a rollout status on the page; if it never shows, fails with what the page shows and what the API says.
  const seen = async (rolloutId: string, value: string, wait: Promise<unknown>) => {
    try {
      await wait;
    } catch (err) {
      const view = await platform.api(`/v1/rollouts/${rolloutId}`).catch((e: Error) => e.message);
      const shown = await page.locator('#rollout-status').getAttribute('data-status').catch(() => '?');
      throw new Error(`${value} never shown (shown: ${shown}): ${(err as Error).message}\n-- api view:\n${JSON.stringify(view).slice(0, 3000)}`);
    }
  };
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
    if (!existsSync(chromiumPath)) {
      throw new Error(`no Chromium at ${chromiumPath}: the console spec drives a real browser (apt-get install -y chromium, or set KEELSON_CHROMIUM)`);
    }
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    platform = await startTestPlatform();
    fleet = await startFleet(platform, { count: 2, profileOf: () => ({ labels: { site: 'north', note: hostileLabel } }) });
    odd = await startFleet(platform, { count: 1, namePrefix: hostileName });
    context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    page = await context.newPage();
    // Every confirm the console asks is answered yes, unless a test says no to the next one.
    page.on('dialog', (dialog) => {
      const answer = declineNext ? dialog.dismiss() : dialog.accept();
      declineNext = false;
      void answer;
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
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
    expect(command).toMatch(new RegExp(`^npx keelson-agent enroll --gateway ${platform.gatewayUrl}/? --token \\S{20,} --ca-fingerprint \\S+ --data-dir \\S+$`));
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

  it('follows a gated rollout live, approves it with a click and sees it succeed', async () => {
    await publishArtifact(platform, { name: 'console-model', version: '1.0.0', bytes: Buffer.from('console model '.repeat(500)) });
    await createGroup(platform, 'console-bay', ['sim-1', 'sim-2']);
    const created = await createRollout(platform, rolloutBody('console-model@1.0.0', 'console-bay', probe, [50, 100], { gates: ['auto', 'manual'] }));

    // The rollout list is a projection: the console shows what the API lists.
    await eventually('the rollout listed', async () => ((await platform.api<{ items: { rolloutId: string }[] }>('/v1/rollouts?limit=200')).body.items.some((r) => r.rolloutId === created.rolloutId) ? true : undefined));
    await page.click('nav a[href="#/rollouts"]');
    await page.click(`#view a[href="#/rollouts/${created.rolloutId}"]`);
    // Names arrive with the stream's `devices` event; until then a device shows by its id.
    await page.locator('#rollout-devices td[data-col="Device"]', { hasText: 'sim-2' }).waitFor();
    expect((await cells('#rollout-devices', 'Device')).sort()).toEqual(['sim-1', 'sim-2']);
    // From here on the page is never reloaded: what changes comes over the SSE stream.
    await seen(created.rolloutId, 'awaiting-approval', page.locator('#rollout-status[data-status="awaiting-approval"]').waitFor({ timeout: 90_000 }));
    await page.locator('#rollout-devices [data-state="healthy"]').first().waitFor();
    expect(await page.locator('#rollout-waves tr[data-key="wave-0"] td[data-col="Healthy"]').textContent()).toBe('1');
    expect((await cells('#rollout-devices', 'State')).sort()).toEqual(['healthy', 'pending']);

    await page.click('#action-approve');
    await page.locator('#rollout-status[data-status="succeeded"]').waitFor({ timeout: 90_000 });
    await page.locator('#live-state', { hasText: 'ended: succeeded' }).waitFor();
    expect(await cells('#rollout-devices', 'State')).toEqual(['healthy', 'healthy']);
    expect(await page.locator('#rollout-waves tr[data-key="wave-1"] td[data-col="Healthy"]').textContent()).toBe('1');
    expect(await page.locator('#rollout-actions button').count()).toBe(0);

    await page.locator('#view a', { hasText: 'audit trail' }).click();
    await page.locator('#view td[data-col="Event"]', { hasText: 'WaveApproved' }).waitFor();
    const approval = page.locator('#view tr', { hasText: 'WaveApproved' });
    expect(await approval.locator('td[data-col="What happened"] .sentence').textContent()).toBe(`Operator admin approved wave 2 of rollout ${created.rolloutId}.`);

    await page.click('nav a[href="#/artifacts"]');
    const artifact = page.locator('#artifact-list tr[data-key="console-model@1.0.0"]');
    await artifact.waitFor();
    expect(await artifact.locator('td[data-col="Status"]').textContent()).toContain('published');
    expect(await page.locator('#artifact-list .paging').textContent()).toBe('1 artifact.');
  }, 200_000);

  it('halts (only once confirmed), resumes and aborts with revert from the buttons, live', async () => {
    await publishArtifact(platform, { name: 'console-model', version: '2.0.0', bytes: Buffer.from('console model two '.repeat(500)) });
    const created = await createRollout(platform, rolloutBody('console-model@2.0.0', 'console-bay', probe, [50, 100], { gates: ['auto', 'manual'] }));
    await page.goto(`${platform.apiUrl}/console/#/rollouts/${created.rolloutId}`);
    const status = (value: string) => seen(created.rolloutId, value, page.locator(`#rollout-status[data-status="${value}"]`).waitFor({ timeout: 90_000 }));
    await status('awaiting-approval');

    const halts: string[] = [];
    const countHalts = (request: Request) => void (request.method() === 'POST' && request.url().includes(`/v1/rollouts/${created.rolloutId}/halt`) && halts.push(request.url()));
    page.on('request', countHalts);
    declineNext = true;
    await page.click('#action-halt');
    // A later request through the console's own API client: a halt sent on the declined click would have gone before it.
    const read = await page.evaluate(`import('/console/api.js').then(({ api }) => api('/v1/rollouts/${created.rolloutId}')).then((view) => view.status)`);
    expect({ halts, read }).toEqual({ halts: [], read: 'awaiting-approval' });
    page.off('request', countHalts);

    await page.click('#action-halt');
    await status('halted');
    await page.click('#action-resume');
    await status('awaiting-approval');
    await page.click('#action-abort-revert');
    await status('aborted');
    // The stream follows the reverts to their end: the updated device goes back, live.
    await page.locator('#live-state', { hasText: 'ended: aborted' }).waitFor();
    expect(await page.locator('#rollout-reverts').textContent()).toMatch(/^Reverts: 1 of 1 done \(1 reverted, 0 failed\), 0 in flight, 0 offline/);
    expect((await cells('#rollout-devices', 'Notes')).filter((n) => n.includes('revert: healthy'))).toHaveLength(1);
    const operatorMoves = await eventually('the abort in the audit log', async () => {
      const types = (await auditOf(platform, `rollout=${created.rolloutId}`)).map((e) => e.type.split('.').pop()!);
      return types.includes('RolloutAborted') ? types.filter((t) => /Halted|Resumed|Aborted/.test(t)) : undefined;
    }, 15_000);
    expect(operatorMoves).toEqual(['RolloutHalted', 'RolloutResumed', 'RolloutAborted']); // the declined halt sent nothing

    // The audit page narrowed to this rollout's operator moves, newest first.
    await page.click('nav a[href="#/audit"]');
    await loaded('#/audit');
    await page.fill('#audit-rollout', created.rolloutId);
    await page.fill('#audit-type', 'RolloutHalted, RolloutAborted');
    await page.click('#view form button[type=submit]');
    const narrowed = await loaded(`#/audit?${new URLSearchParams({ rollout: created.rolloutId, type: 'RolloutHalted, RolloutAborted' })}`);
    expect(await narrowed.locator('td[data-col="Event"]').allTextContents()).toEqual(['rollout.RolloutAborted', 'rollout.RolloutHalted']);
  }, 200_000);

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
    await page.locator('#device-list tr', { hasText: hostileName }).locator('td[data-col="Status"]', { hasText: 'decommissioned' }).waitFor();
    await eventually('the device decommissioned in the device list', async () => {
      const { body } = await platform.api<{ status: string }>(`/v1/devices/${odd.devices[0]!.deviceId}`);
      return body.status === 'decommissioned' ? true : undefined;
    }, 15_000);

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
