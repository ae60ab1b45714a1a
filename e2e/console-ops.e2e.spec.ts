import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startFleet, type TestFleet } from './support/fleet.js';
import { auditOf, createGroup, eventually, rollOut, type RolloutView } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Debian's Chromium (`.ci/run` installs it); the spec fails, never skips, when it is missing.
const chromiumPath = process.env.KEELSON_CHROMIUM ?? '/usr/bin/chromium';

// Issue 15, item 2: the operator console does the whole job. Here: the audit page reads as sentences
// with device and operator names, the raw event one click away, and nothing runs off the page.
describe('operations in the operator console (console-ops)', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  let browser: Browser;
  let page: Page;
  let rollout: RolloutView;
  const pageErrors: string[] = [];
  const idOf = (name: string) => fleet.devices.find((d) => d.name === name)!.deviceId;
  const shown = async (what: string, check: () => Promise<boolean>) => {
    await eventually(what, async () => ((await check()) ? true : undefined), 20_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\n-- page: ${await page.locator('#view').innerText()}\n-- errors: ${pageErrors.join('; ')}`);
    });
  };

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) {
      throw new Error(`no Chromium at ${chromiumPath}: the console spec drives a real browser (apt-get install -y chromium, or set KEELSON_CHROMIUM)`);
    }
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    platform = await startTestPlatform();
    fleet = await startFleet(platform, { count: 2 });
    page = await (await browser.newContext({ viewport: { width: 1024, height: 800 } })).newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await createGroup(platform, 'ops-dock', ['sim-1', 'sim-2']);
    rollout = await rollOut(platform, 'ops-dock', 'ops-model', '1.0.0');
    await page.goto(`${platform.apiUrl}/console/`);
    await page.fill('#token', platform.adminToken);
    await page.click('#sign-in button[type=submit]');
    await page.locator('#device-list').waitFor();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('reads a rollout\'s audit entries as sentences naming the operator and the devices', async () => {
    expect(rollout.status).toBe('succeeded');
    await eventually('the rollout finished in the audit log', async () => ((await auditOf(platform, `rollout=${rollout.rolloutId}&type=RolloutFinished`)).length ? true : undefined));
    await page.goto(`${platform.apiUrl}/console/#/audit?rollout=${encodeURIComponent(rollout.rolloutId)}`);
    const sentences = () => page.locator('#view td[data-col="What happened"] .sentence').allTextContents();
    await shown('the rollout told in sentences', async () => (await sentences()).some((s) => s.includes('finished rollout')));
    const told = await sentences();
    expect(told).toContain(`Operator admin created rollout ${rollout.rolloutId} of ops-model@1.0.0 to 2 devices.`);
    expect(told.some((s) => s.endsWith(` recorded device sim-1 as healthy in rollout ${rollout.rolloutId}.`))).toBe(true);
    expect(told.some((s) => s.includes('device sim-2') && !s.includes(idOf('sim-2')))).toBe(true);
    expect(told.join('\n')).not.toContain(idOf('sim-1'));
  });

  it('opens the raw event with one click, wrapped inside the page', async () => {
    const row = page.locator('#view tr', { hasText: `Operator admin created rollout ${rollout.rolloutId}` });
    const raw = row.locator('details.raw-event pre');
    expect(await raw.isVisible()).toBe(false);
    await row.getByText('Raw event').click();
    await raw.waitFor();
    const event = JSON.parse(await raw.innerText()) as { type: string; keelsonactor: string; data: { rolloutId: string } };
    expect(event).toMatchObject({ type: 'io.keelson.rollout.RolloutCreated', keelsonactor: 'operator:admin', data: { rolloutId: rollout.rolloutId } });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(pageErrors).toEqual([]);
  });
});
