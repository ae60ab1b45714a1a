import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventually } from './operator.js';
import type { TestPlatform } from './test-platform.js';

/** Debian's Chromium, or the one `KEELSON_CHROMIUM` names. */
export const chromiumPath = process.env.KEELSON_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The console specs' browser: Chromium with one page that accepts every dialog (the console confirms
 * destructive actions) and collects the page's uncaught errors into `pageErrors`, which a spec then
 * shows when something is not shown and asserts empty at the end.
 */
export async function launchConsole(pageErrors: string[], viewport?: { width: number; height: number }): Promise<{ browser: Browser; page: Page }> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: the console spec drives a real browser (apt-get install -y chromium, or set KEELSON_CHROMIUM)`);
  }
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  const page = await (await browser.newContext(viewport ? { viewport } : {})).newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  page.on('pageerror', (err) => pageErrors.push(err.message));
  return { browser, page };
}

/** Signs in with the admin token and waits for the first page (the devices). */
export async function signIn(page: Page, platform: TestPlatform): Promise<void> {
  await page.goto(`${platform.apiUrl}/console/`);
  await page.fill('#token', platform.adminToken);
  await page.click('#sign-in button[type=submit]');
  await page.locator('#device-list').waitFor();
}

/** Rethrows `err` with what the page shows and the page's errors, so a failed wait explains itself. */
export async function withPage(page: Page, pageErrors: string[], err: Error): Promise<never> {
  throw new Error(`${err.message}\n-- page: ${await page.locator('#view').innerText()}\n-- errors: ${pageErrors.join('; ')}`);
}

/** Waits up to 20 s for `check` to hold on the page; on failure says what the page showed. */
export function shownOn(page: () => Page, pageErrors: string[]) {
  return async (what: string, check: () => Promise<boolean>): Promise<void> => {
    await eventually(what, async () => ((await check()) ? true : undefined), 20_000).catch((err: Error) => withPage(page(), pageErrors, err));
  };
}
