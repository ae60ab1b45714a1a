import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eventually } from './operator.js';
import type { TestPlatform } from './test-platform.js';

/** Debian's Chromium, or the one `KEELSON_CHROMIUM` names. */
export const chromiumPath = process.env.KEELSON_CHROMIUM ?? '/usr/bin/chromium';

/** What a spec may ask of the browser beyond the defaults. */
export interface ConsoleBrowserOptions {
  /** Granted to the page, e.g. `clipboard-read` and `clipboard-write` to check a copied command line. */
  permissions?: string[];
  /** Asked at each dialog: true dismisses it (a confirm the operator declines) instead of accepting it. */
  declines?: () => boolean;
  /** Also collects what the page logs as an error (failed loads included) into `pageErrors`. */
  consoleErrors?: boolean;
}

/**
 * The console specs' browser: Chromium with one page that accepts every dialog (the console confirms
 * destructive actions) unless `declines` says otherwise, and collects the page's uncaught errors into
 * `pageErrors`, which a spec then shows when something is not shown and asserts empty at the end.
 */
export async function launchConsole(
  pageErrors: string[],
  viewport?: { width: number; height: number },
  options: ConsoleBrowserOptions = {},
): Promise<{ browser: Browser; page: Page }> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `no Chromium at ${chromiumPath}: the console spec drives a real browser (apt-get install -y chromium, or set KEELSON_CHROMIUM)`,
    );
  }
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  const page = await (
    await browser.newContext({ ...(viewport ? { viewport } : {}), ...(options.permissions ? { permissions: options.permissions } : {}) })
  ).newPage();
  page.on('dialog', (dialog) => void (options.declines?.() ? dialog.dismiss() : dialog.accept()));
  page.on('pageerror', (err) => pageErrors.push(err.message));
  if (options.consoleErrors) page.on('console', (message) => void (message.type() === 'error' && pageErrors.push(message.text())));
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
    await eventually(what, async () => ((await check()) ? true : undefined), 20_000).catch((err: Error) =>
      withPage(page(), pageErrors, err),
    );
  };
}
