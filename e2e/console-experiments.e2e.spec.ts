import type { Browser, Page } from 'playwright-core';
import { parseAppMetricsSpec } from '../services/agent/src/index.js';
import { readSse } from '../services/cli/src/sse-reader.js';
import { keelson } from '../services/cli/src/test-fixtures/run-cli.js';
import { launchConsole, signIn, withPage } from './support/console-browser.js';
import { getExperiment, quickExperimentEnv, type ExperimentView } from './support/experiments.js';
import { startFleetInGroup, type TestFleet } from './support/fleet.js';
import { eventually, publishArtifact, rollOut } from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Debian's Chromium (`.ci/run` installs it); the spec fails, never skips, when it is missing.

interface LookPage {
  items: { judgedAt: string; primary: { candidate: { count: number } | null; control: { count: number } | null } }[];
  nextCursor?: string;
}

// Both versions of the simulated application are equally confident and equally fast, so the
// decision loop keeps collecting (alpha 0.001) until a person decides. Windows of 2 s, looks of 3 s.
const appMetrics = {
  metrics: parseAppMetricsSpec(
    'confidence_mean=normal(0.80,0.02)@1.0.0,normal(0.80,0.02)@2.0.0;latency_ms=normal(40,2)@1.0.0,normal(40,2)@2.0.0',
  ),
  windowSeconds: 2,
  scrapeSeconds: 1,
};

// Issue 14, items 2 and 4: the console's experiments page, in a real browser, on simulated devices' metrics.
describe('experiments in the operator console', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  let browser: Browser;
  let page: Page;
  let experimentId: string;
  const pageErrors: string[] = [];
  const get = (id: string) => getExperiment(platform, id);
  const cell = (key: string, column: string) =>
    page.locator(`#experiment-arms tr[data-key="${key}"] td[data-col="${column}"]`).textContent();
  const failWithPage = (err: Error) => withPage(page, pageErrors, err);

  beforeAll(async () => {
    platform = await startTestPlatform({ serviceEnv: quickExperimentEnv });
    fleet = await startFleetInGroup(platform, 'ab', { count: 2, namePrefix: 'ab-', appMetrics });
    expect((await rollOut(platform, 'ab', 'ab', '1.0.0')).status).toBe('succeeded');
    await publishArtifact(platform, { name: 'ab', version: '2.0.0', bytes: `ab 2.0.0\n${'weights '.repeat(1000)}` });
    ({ browser, page } = await launchConsole(pageErrors));
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('creates an experiment from the form, refusing a bad duration first, and lists it', async () => {
    await signIn(page, platform);
    await page.click('#nav a[href="#/experiments"]');
    await page.getByText('No experiments yet.').waitFor();
    const fields = {
      candidate: 'ab@2.0.0',
      baseline: 'ab@1.0.0',
      group: 'ab',
      split: '50',
      primary: 'confidence_mean:higher',
      guardrails: 'latency_ms:max+10%',
      'min-samples': '20',
      'max-duration': 'two hours',
      probe: 'file:/run/app/ready',
      alpha: '0.001',
    };
    for (const [name, value] of Object.entries(fields)) await page.fill(`#experiment-${name}`, value);
    await page.click('#experiment-form button[type=submit]');
    await page
      .locator('#experiment-form-outcome .error', { hasText: "max duration takes a duration such as 90s, 30m, 2h or 1d, got 'two hours'" })
      .waitFor();
    expect((await platform.api<{ items: unknown[] }>('/v1/experiments')).body.items).toEqual([]);

    await page.fill('#experiment-max-duration', '1h');
    await page.click('#experiment-form button[type=submit]');
    await page.waitForURL(/#\/experiments\/x-[a-z0-9]+$/).catch(failWithPage);
    experimentId = decodeURIComponent(page.url().split('#/experiments/')[1]!);
    expect((await get(experimentId)).status).toBe('running');
    // The list is a read model that follows the experiment's events a moment later.
    const listed = async () =>
      (await platform.api<{ items: ExperimentView[] }>('/v1/experiments')).body.items.some((v) => v.experimentId === experimentId);
    await eventually('the experiment listed', async () => ((await listed()) ? true : undefined));
    await page.click('#nav a[href="#/experiments"]');
    await page
      .locator(`#experiment-list tr[data-key="${experimentId}"] td[data-col="Status"]`, { hasText: 'running' })
      .waitFor()
      .catch(failWithPage);
    expect(await page.locator(`#experiment-list tr[data-key="${experimentId}"] td[data-col="Split"]`).textContent()).toBe('50%');
  });

  it('shows both arms side by side, the tests, and a chart with points for both arms', async () => {
    await page.click(`#experiment-list a[href="#/experiments/${experimentId}"]`);
    const points = (arm: string) => page.locator(`#experiment-chart circle[data-series="${arm}"]`);
    await points('candidate').nth(1).waitFor({ timeout: 120_000 }).catch(failWithPage);
    await points('control').nth(1).waitFor({ timeout: 60_000 }).catch(failWithPage);
    for (const arm of ['candidate', 'control']) {
      expect(Number(await cell(`confidence_mean ${arm}`, 'Mean'))).toBeCloseTo(0.8, 1);
      expect(Number(await cell(`confidence_mean ${arm}`, 'Samples'))).toBeGreaterThan(0);
      expect(await cell(`confidence_mean ${arm}`, 'Devices')).toBe('1');
      expect(Number(await cell(`latency_ms ${arm}`, 'Mean'))).toBeCloseTo(40, -1);
    }
    expect(await page.locator('#experiment-tests tr[data-key="primary confidence_mean"] td[data-col="State"]').textContent()).toBe(
      'undecided',
    );
    expect(await page.locator('#experiment-tests tr[data-key="guardrail latency_ms"]').count()).toBe(1);
    expect(await page.locator('#experiment-status').getAttribute('data-status')).toBe('running');
  }, 240_000);

  it('serves the looks oldest first a page at a time (experiment show --history prints them), and refuses a bad cursor or an unknown experiment', async () => {
    const all = (await platform.api<LookPage>(`/v1/experiments/${experimentId}/looks`)).body.items;
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.map((l) => l.judgedAt)).toEqual([...all.map((l) => l.judgedAt)].sort());
    expect(all.some((l) => l.primary.candidate && l.primary.control)).toBe(true);
    const first = (await platform.api<LookPage>(`/v1/experiments/${experimentId}/looks?limit=1`)).body;
    expect(first.items.map((l) => l.judgedAt)).toEqual([all[0]!.judgedAt]);
    const second = (
      await platform.api<LookPage>(`/v1/experiments/${experimentId}/looks?limit=1&cursor=${encodeURIComponent(first.nextCursor!)}`)
    ).body;
    expect(second.items.map((l) => l.judgedAt)).toEqual([all[1]!.judgedAt]);
    const shown = (await keelson(platform.apiUrl, platform.adminToken, 'experiment', 'show', experimentId, '--history')).stdout;
    expect(shown).toMatch(/^LOOK +CANDIDATE confidence_mean +N +CONTROL confidence_mean +N +DIFFERENCE +STATE$/m);
    expect(shown).toMatch(/^\S+Z +0\.[78]\d* +\d+ +0\.[78]\d* +\d+ /m); // a look with both arms' means
    expect((await platform.api(`/v1/experiments/${experimentId}/looks?cursor=yesterday`)).status).toBe(400);
    expect((await platform.api('/v1/experiments/x-000000000000/looks')).status).toBe(404);
  });

  it("streams the decision loop's newer looks after the snapshot", async () => {
    const res = await fetch(`${platform.apiUrl}/v1/experiments/${experimentId}/events`, {
      headers: { authorization: `Bearer ${platform.adminToken}` },
    });
    const seen: { event: string; judgedAt?: string }[] = [];
    for await (const { event, data } of readSse(res.body!)) {
      const { lastLook, judgedAt } = data as { lastLook?: { judgedAt: string }; judgedAt?: string };
      if (event === 'snapshot') seen.push({ event, judgedAt: lastLook?.judgedAt });
      if (event === 'look') seen.push({ event, judgedAt });
      if (seen.filter((m) => m.event === 'look').length === 2) break; // leaving the loop lets go of the stream
    }
    const [snapshot, first, second] = seen;
    expect(seen.map((m) => m.event)).toEqual(['snapshot', 'look', 'look']);
    expect(Date.parse(first!.judgedAt!)).toBeGreaterThan(Date.parse(snapshot!.judgedAt!));
    expect(Date.parse(second!.judgedAt!)).toBeGreaterThan(Date.parse(first!.judgedAt!));
  });

  it('aborts the experiment from the page with a reason, after refusing an empty one', async () => {
    await page.click('#experiment-abort');
    await page.locator('#notice .error', { hasText: 'A verdict needs a reason' }).waitFor();
    expect((await get(experimentId)).status).toBe('running');

    const lookLine = page.locator('#experiment-arms p');
    const typedAt = await lookLine.textContent();
    await page.fill('#experiment-reason', 'both arms look alike; the line needs the slot');
    // a newer look redraws the page while the reason waits in its field, and keeps it there
    await page.locator('#experiment-arms p', { hasNotText: typedAt! }).waitFor();
    await page.click('#experiment-abort');
    await page.locator('#experiment-status[data-status="aborted"]').waitFor().catch(failWithPage);
    const ended = await eventually('the abort recorded', async () => {
      const view = await get(experimentId);
      return view.decision ? view : undefined;
    });
    expect(ended).toMatchObject({
      status: 'aborted',
      decision: { outcome: 'abort', decidedBy: 'operator', reason: 'both arms look alike; the line needs the slot' },
    });
    expect(await page.locator('#experiment-verdict').textContent()).toContain('Decided abort by an operator');
    expect(pageErrors).toEqual([]);
  });
});
