import type { Page } from 'playwright-core';
import type { TestPlatform } from './test-platform.js';

// What an operator does with the console's forms (e2e/console-*.e2e.spec.ts): the page of a
// rollout, fields filled by their ids, a submit answered by a refusal, an uploaded file.

/** Opens the console's page of rollout `rolloutId`. */
export async function openRollout(page: Page, platform: TestPlatform, rolloutId: string): Promise<void> {
  await page.goto(`${platform.apiUrl}/console/#/rollouts/${encodeURIComponent(rolloutId)}`);
}

/** Fills each field `#<prefix>-<key>` with its value, in order. */
export async function fillFields(page: Page, prefix: string, fields: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(fields)) await page.fill(`#${prefix}-${key}`, value);
}

/** Submits the form `#<form>` and returns the text of the alert its notice `#<form>-notice` shows (its refusal). */
export async function refusalOf(page: Page, form: string): Promise<string | null> {
  await page.click(`#${form} button[type=submit]`);
  return page.locator(`#${form}-notice [role=alert]`).textContent();
}

/** Uploads `<name> settings\n` as `name@1.0.0` of `kind` (a file `<name>.bin`) from the artifacts page's form. */
export async function uploadArtifact(page: Page, name: string, kind: string): Promise<void> {
  await fillFields(page, 'upload', { name, version: '1.0.0' });
  await page.selectOption('#upload-kind', kind);
  await page.setInputFiles('#upload-file', {
    name: `${name}.bin`,
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(`${name} settings\n`),
  });
  await page.click('#upload-artifact button[type=submit]');
}

/** How many rollouts the api lists (up to 100). */
export async function rolloutCount(platform: TestPlatform): Promise<number> {
  return (await platform.api<{ items: unknown[] }>('/v1/rollouts?limit=100')).body.items.length;
}

/** Waits until the notice of the form `#<form>` shows `text` as a status (what it did, not a refusal). */
export async function noticeShown(page: Page, form: string, text: string): Promise<void> {
  await page.locator(`#${form}-notice [role=status]`, { hasText: text }).waitFor();
}

/** The id of the rollout whose page is open (`#/rollouts/<id>`). */
export function rolloutIdInUrl(page: Page): string {
  return decodeURIComponent(page.url().split('#/rollouts/')[1]!);
}

/** The text of `selector` if the page shows it within 2 s, else '' (for a check that is asked again). */
export function textOrNothing(page: Page, selector: string): Promise<string | null> {
  return page
    .locator(selector)
    .textContent({ timeout: 2_000 })
    .catch(() => '');
}
