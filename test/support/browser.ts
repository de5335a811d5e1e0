import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

// What the init script touches of the browser (this program has no DOM library).
declare const window: Record<string, unknown>;
declare const document: {
  addEventListener(
    type: 'securitypolicyviolation',
    listener: (e: { violatedDirective: string; blockedURI: string }) => void,
  ): void;
};

/** Debian's chromium (scripts/ensure-chromium.sh installs it), headless, with nothing of its own going out. */
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  /** A new tab that records what a page does besides talking to `origin`. */
  open(origin: string): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  page: Page;
  /** Requests for anything outside `origin`: refused before they leave, and listed here. */
  offOrigin: string[];
  /** Every URL the page asked for. */
  requests: string[];
  /** Uncaught errors of the page's script. */
  errors: string[];
  /** Content-Security-Policy violations the page reported. */
  cspViolations(): Promise<string[]>;
}

/** A fresh browser with its own, throw-away profile (--user-data-dir, through playwright). */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh (apt-get install chromium)`);
  const profile = mkdtempSync(join(tmpdir(), 'ledger-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1200, height: 900 },
    deviceScaleFactor: 1,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  return {
    context,
    async open(origin) {
      const page = await context.newPage();
      const watched: WatchedPage = {
        page,
        offOrigin: [],
        requests: [],
        errors: [],
        cspViolations: async () => page.evaluate(() => (window.cspViolations as string[] | undefined) ?? []),
      };
      await page.addInitScript(() => {
        const seen: string[] = [];
        window.cspViolations = seen;
        document.addEventListener('securitypolicyviolation', (e) =>
          seen.push(`${e.violatedDirective} ${e.blockedURI}`),
        );
      });
      page.on('pageerror', (e) => watched.errors.push(e.message));
      await page.route('**/*', (route) => {
        const url = route.request().url();
        watched.requests.push(url);
        if (new URL(url).origin !== origin) {
          watched.offOrigin.push(url);
          return route.abort('blockedbyclient');
        }
        return route.continue();
      });
      return watched;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
