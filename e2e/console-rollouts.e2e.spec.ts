import type { Browser, Page, Request } from 'playwright-core';
import { launchConsole, signIn } from './support/console-browser.js';
import { startFleet, type TestFleet } from './support/fleet.js';
import { auditOf, createGroup, createRollout, eventually, publishArtifact, rolloutBody, type ProbeSpec } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

const probe: ProbeSpec = { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1 };

// A rollout followed live in the console, in a real browser against a real platform and simulated
// devices: approved, halted (once confirmed), resumed and aborted from its buttons.
describe('rollouts in the operator console', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let declineNext = false;

  // Waits for a rollout status on the page; if it never shows, fails with what the page shows and what the API says.
  const seen = async (rolloutId: string, value: string, wait: Promise<unknown>) => {
    try {
      await wait;
    } catch (err) {
      const view = await platform.api(`/v1/rollouts/${rolloutId}`).catch((e: Error) => e.message);
      const shown = await page
        .locator('#rollout-status')
        .getAttribute('data-status')
        .catch(() => '?');
      throw new Error(
        `${value} never shown (shown: ${shown}): ${(err as Error).message}\n-- api view:\n${JSON.stringify(view).slice(0, 3000)}`,
      );
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
    // Every confirm the console asks is answered yes, unless a test says no to the next one.
    const declines = () => {
      const decline = declineNext;
      declineNext = false;
      return decline;
    };
    ({ browser, page } = await launchConsole(pageErrors, undefined, { declines }));
    platform = await startTestPlatform();
    fleet = await startFleet(platform, { count: 2 });
    await signIn(page, platform);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('follows a gated rollout live, approves it with a click and sees it succeed', async () => {
    await publishArtifact(platform, { name: 'console-model', version: '1.0.0', bytes: Buffer.from('console model '.repeat(500)) });
    await createGroup(platform, 'console-bay', ['sim-1', 'sim-2']);
    const created = await createRollout(
      platform,
      rolloutBody('console-model@1.0.0', 'console-bay', probe, [50, 100], { gates: ['auto', 'manual'] }),
    );

    // The rollout list is a projection: the console shows what the API lists.
    await eventually('the rollout listed', async () =>
      (await platform.api<{ items: { rolloutId: string }[] }>('/v1/rollouts?limit=200')).body.items.some(
        (r) => r.rolloutId === created.rolloutId,
      )
        ? true
        : undefined,
    );
    await page.click('nav a[href="#/rollouts"]');
    await page.click(`#view a[href="#/rollouts/${created.rolloutId}"]`);
    // Names arrive with the stream's `devices` event; until then a device shows by its id.
    await page.locator('#rollout-devices td[data-col="Device"]', { hasText: 'sim-2' }).waitFor();
    expect((await cells('#rollout-devices', 'Device')).sort()).toEqual(['sim-1', 'sim-2']);
    // From here to the wave's end the page is never reloaded: what changes comes over the SSE stream.
    await seen(
      created.rolloutId,
      'awaiting-approval',
      page.locator('#rollout-status[data-status="awaiting-approval"]').waitFor({ timeout: 90_000 }),
    );
    await page.locator('#rollout-devices [data-state="healthy"]').first().waitFor();
    expect(await page.locator('#rollout-waves tr[data-key="wave-0"] td[data-col="Healthy"]').textContent()).toBe('1');
    expect((await cells('#rollout-devices', 'State')).sort()).toEqual(['healthy', 'pending']);
    // Until the stream's first `summary` the wave table comes from the view: a stream refused shows only that.
    const stream = (url: URL) => url.pathname === `/v1/rollouts/${created.rolloutId}/events`;
    await page.route(stream, (route) => route.abort());
    await page.reload();
    await page.locator('#live-state', { hasText: 'live updates stopped' }).waitFor();
    expect([await cells('#rollout-waves', 'Waiting'), await cells('#rollout-waves', 'Healthy')]).toEqual([
      ['0', '1'],
      ['1', '0'],
    ]);
    await page.unroute(stream);
    await page.reload(); // and after the approval, what changes comes over the stream again
    await page.locator('#rollout-status[data-status="awaiting-approval"]').waitFor();

    await page.click('#action-approve');
    await page.locator('#rollout-status[data-status="succeeded"]').waitFor({ timeout: 90_000 });
    await page.locator('#live-state', { hasText: 'ended: succeeded' }).waitFor();
    expect(await cells('#rollout-devices', 'State')).toEqual(['healthy', 'healthy']);
    expect(await page.locator('#rollout-waves tr[data-key="wave-1"] td[data-col="Healthy"]').textContent()).toBe('1');
    expect(await page.locator('#rollout-actions button').count()).toBe(0);

    await page.locator('#view a', { hasText: 'audit trail' }).click();
    await page.locator('#view td[data-col="Event"]', { hasText: 'WaveApproved' }).waitFor();
    const approval = page.locator('#view tr', { hasText: 'WaveApproved' });
    expect(await approval.locator('td[data-col="What happened"] .sentence').textContent()).toBe(
      `Operator admin approved wave 2 of rollout ${created.rolloutId}.`,
    );

    await page.click('nav a[href="#/artifacts"]');
    const artifact = page.locator('#artifact-list tr[data-key="console-model@1.0.0"]');
    await artifact.waitFor();
    expect(await artifact.locator('td[data-col="Status"]').textContent()).toContain('published');
    expect(await page.locator('#artifact-list .paging').textContent()).toBe('1 artifact.');
  }, 200_000);

  it('halts (only once confirmed), resumes and aborts with revert from the buttons, live', async () => {
    await publishArtifact(platform, { name: 'console-model', version: '2.0.0', bytes: Buffer.from('console model two '.repeat(500)) });
    const created = await createRollout(
      platform,
      rolloutBody('console-model@2.0.0', 'console-bay', probe, [50, 100], { gates: ['auto', 'manual'] }),
    );
    await page.goto(`${platform.apiUrl}/console/#/rollouts/${created.rolloutId}`);
    const status = (value: string) =>
      seen(created.rolloutId, value, page.locator(`#rollout-status[data-status="${value}"]`).waitFor({ timeout: 90_000 }));
    await status('awaiting-approval');

    const halts: string[] = [];
    const countHalts = (request: Request) =>
      void (request.method() === 'POST' && request.url().includes(`/v1/rollouts/${created.rolloutId}/halt`) && halts.push(request.url()));
    page.on('request', countHalts);
    declineNext = true;
    await page.click('#action-halt');
    // A later request through the console's own API client: a halt sent on the declined click would have gone before it.
    const read = await page.evaluate(
      `import('/console/api.js').then(({ api }) => api('/v1/rollouts/${created.rolloutId}')).then((view) => view.status)`,
    );
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
    expect(await page.locator('#rollout-reverts').textContent()).toMatch(
      /^Reverts: 1 of 1 done \(1 reverted, 0 failed\), 0 in flight, 0 offline/,
    );
    expect((await cells('#rollout-devices', 'Notes')).filter((n) => n.includes('revert: healthy'))).toHaveLength(1);
    const operatorMoves = await eventually(
      'the abort in the audit log',
      async () => {
        const types = (await auditOf(platform, `rollout=${created.rolloutId}`)).map((e) => e.type.split('.').pop()!);
        return types.includes('RolloutAborted') ? types.filter((t) => /Halted|Resumed|Aborted/.test(t)) : undefined;
      },
      15_000,
    );
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

  it('raised no error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
