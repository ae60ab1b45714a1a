import type { Browser, Page } from 'playwright-core';
import { launchConsole, shownOn, signIn } from './support/console-browser.js';
import {
  fillFields,
  noticeShown,
  openRollout,
  refusalOf,
  rolloutCount,
  rolloutIdInUrl,
  textOrNothing,
  uploadArtifact,
} from './support/console-forms.js';
import { startFleet, type TestFleet } from './support/fleet.js';
import {
  auditOf,
  channelsOf,
  createGroup,
  createRollout,
  eventually,
  publishArtifact,
  readyProbe,
  rollOut,
  rolloutBody,
  waitForRollout,
  type RolloutView,
} from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Debian's Chromium (`.ci/run` installs it); the spec fails, never skips, when it is missing.

// Issue 15, item 2: the operator console does the whole job, against the real gateway and agents:
// promote a rollout and set channels, retry the failed devices; the audit page reads as sentences
// with device and operator names, the raw event one click away, and nothing runs off the page.
describe('operations in the operator console (console-ops)', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  let browser: Browser;
  let page: Page;
  let rollout: RolloutView;
  let healed = false; // sim-2 fails every `ops-flaky` update until the test heals it
  const channels = async (name: string) => (await channelsOf(platform, name)).map((c) => `${c.channel}=${c.version}`).sort();
  const pageErrors: string[] = [];
  const idOf = (name: string) => fleet.devices.find((d) => d.name === name)!.deviceId;
  const shown = shownOn(() => page, pageErrors);

  beforeAll(async () => {
    platform = await startTestPlatform();
    fleet = await startFleet(platform, {
      count: 2,
      failing: (device, assignment) => device.name === 'sim-2' && assignment.artifact.name === 'ops-flaky' && !healed,
    });
    ({ browser, page } = await launchConsole(pageErrors, { width: 1024, height: 800 }));
    await createGroup(platform, 'ops-dock', ['sim-1', 'sim-2']);
    rollout = await rollOut(platform, 'ops-dock', 'ops-model', '1.0.0');
    await signIn(page, platform);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it("reads a rollout's audit entries as sentences naming the operator and the devices", async () => {
    expect(rollout.status).toBe('succeeded');
    await eventually('the rollout finished in the audit log', async () =>
      (await auditOf(platform, `rollout=${rollout.rolloutId}&type=RolloutFinished`)).length ? true : undefined,
    );
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
    expect(event).toMatchObject({
      type: 'io.keelson.rollout.RolloutCreated',
      keelsonactor: 'operator:admin',
      data: { rolloutId: rollout.rolloutId },
    });
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    expect(pageErrors).toEqual([]);
  });

  it('promotes a succeeded rollout to a channel from its page; a bad channel name is refused and moves nothing', async () => {
    await openRollout(page, platform, rollout.rolloutId);
    await page.fill('#promote-channel', 'Stable!');
    await page.click('#promote button[type=submit]');
    expect(await page.locator('#notice [role=alert]').textContent()).toMatch(/channel/i);
    expect(await channels('ops-model')).toEqual([]);
    await page.fill('#promote-channel', 'stable');
    await page.click('#promote button[type=submit]');
    expect(await page.locator('#promoted').textContent()).toBe('Channel stable of ops-model now points at 1.0.0.');
    expect(await channels('ops-model')).toEqual(['stable=1.0.0']);
  });

  it("draws the rollout's progress over time on its page, from its outcomes in the audit log", async () => {
    await openRollout(page, platform, rollout.rolloutId);
    const dots = (series: string) => page.locator(`#rollout-progress circle[data-series="${series}"]`);
    await shown('both devices counted healthy', async () => (await dots('healthy').count()) === 3);
    expect(await dots('healthy').last().locator('title').textContent()).toMatch(/^healthy 2 at /);
    expect(await dots('failed').count()).toBe(1); // the start, at zero
    expect(await page.locator('#rollout-progress svg').getAttribute('aria-label')).toBe('devices ended healthy and failed over time');
  });

  it('sets a channel by hand on the artifacts page; an unknown version is refused and moves nothing', async () => {
    await page.click('#nav a[href="#/artifacts"]');
    await fillFields(page, 'set-channel', { artifact: 'ops-model', channel: 'beta', version: '9.9.9' });
    expect(await refusalOf(page, 'set-channel')).toContain('9.9.9');
    expect(await channels('ops-model')).toEqual(['stable=1.0.0']);
    await page.fill('#set-channel-version', '1.0.0');
    await page.click('#set-channel button[type=submit]');
    await noticeShown(page, 'set-channel', 'Channel beta of ops-model now points at 1.0.0.');
    await shown(
      'both channels on the artifact',
      async () =>
        (await page.locator('#artifact-list tr[data-key="ops-model@1.0.0"] td[data-col="Channels"]').textContent()) === 'betastable',
    );
    expect(await channels('ops-model')).toEqual(['beta=1.0.0', 'stable=1.0.0']);
  });

  it('retries the failed devices from the rollout page as a new rollout linked to it', async () => {
    await publishArtifact(platform, { name: 'ops-flaky', version: '1.0.0', bytes: `ops-flaky 1.0.0\n${'weights '.repeat(1000)}` });
    const flaky = await createRollout(platform, rolloutBody('ops-flaky@1.0.0', 'ops-dock', readyProbe, [100], { maxFailures: 1 }));
    const ended = await waitForRollout(platform, flaky.rolloutId, ['succeeded', 'failed', 'halted']);
    expect(ended.status).toBe('failed');
    healed = true;
    await openRollout(page, platform, flaky.rolloutId);
    await page.click('#action-retry');
    await shown('the retry opened', async () => (await textOrNothing(page, '#retry-of a')) === flaky.rolloutId);
    const retryId = rolloutIdInUrl(page);
    const retried = await waitForRollout(platform, retryId, ['succeeded', 'failed', 'halted']);
    expect(retried).toMatchObject({ status: 'succeeded', retryOf: flaky.rolloutId, devices: [{ deviceId: idOf('sim-2') }] });
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('uploads a config without a manifest from the artifacts page; a model without one is refused and stores nothing', async () => {
    await page.goto(`${platform.apiUrl}/console/#/artifacts`);
    await uploadArtifact(page, 'ops-weights', 'model');
    expect(await page.locator('#upload-notice [role=alert]').textContent()).toMatch(/manifest/i);
    expect((await platform.api('/v1/artifacts/ops-weights/1.0.0')).status).toBe(404);
    await uploadArtifact(page, 'ops-config', 'config');
    await noticeShown(page, 'upload', 'Received ops-config@1.0.0');
    await page.locator('#artifact-list tr[data-key="ops-config@1.0.0"]').waitFor();
    await eventually('ops-config published', async () =>
      (await platform.api<{ status: string; kind: string }>('/v1/artifacts/ops-config/1.0.0')).body.status === 'published'
        ? true
        : undefined,
    );
    expect((await platform.api<{ kind: string }>('/v1/artifacts/ops-config/1.0.0')).body.kind).toBe('config');
    expect(pageErrors).toEqual([]);
  });

  it("creates a rollout from the console with the API's validation: the form's and the API's refusals create nothing", async () => {
    await publishArtifact(platform, { name: 'ops-model', version: '2.0.0', bytes: `ops-model 2.0.0\n${'weights '.repeat(1000)}` });
    const before = await rolloutCount(platform);
    await page.goto(`${platform.apiUrl}/console/#/rollouts`);
    await page.click('#new-rollout');
    await fillFields(page, 'rollout', { artifact: 'ops-model@2.0.0', target: 'sim-1, sim-2', waves: '50,40,100', gates: '' });
    await fillFields(page, 'rollout', { probe: 'file:/run/app/ready', probeTimeout: '5', probeAttempts: '2', maxFailures: '0' });
    await page.selectOption('#rollout-targetKind', 'devices');
    const refusal = () => refusalOf(page, 'rollout-form');
    expect(await refusal()).toContain("must be above the previous wave's 50"); // the API's rule
    await page.fill('#rollout-waves', '100');
    await page.fill('#rollout-gates', 'auto,manual');
    expect(await refusal()).toBe('the gates name 2 gates for 1 waves'); // the form's, before any call
    await page.fill('#rollout-gates', 'auto');
    await page.selectOption('#rollout-targetKind', 'group');
    await page.fill('#rollout-target', 'no-such-group');
    expect(await refusal()).toMatch(/no-such-group/);
    await page.selectOption('#rollout-targetKind', 'selector');
    await page.fill('#rollout-target', 'accelerator=no-such-board');
    expect(await refusal()).toMatch(/selector|no device/i);
    expect(await rolloutCount(platform)).toBe(before);

    await page.selectOption('#rollout-targetKind', 'devices');
    await page.fill('#rollout-target', 'sim-1 sim-2');
    await page.click('#rollout-form button[type=submit]');
    await page.waitForURL(/#\/rollouts\/(?!new)[^/]+$/);
    const createdId = rolloutIdInUrl(page);
    const done = await waitForRollout(platform, createdId, ['succeeded', 'failed', 'halted']);
    expect(done).toMatchObject({ status: 'succeeded', artifact: { name: 'ops-model', version: '2.0.0' } });
    expect(done.devices.map((d) => d.deviceId).sort()).toEqual([idOf('sim-1'), idOf('sim-2')].sort());
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
