import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { freePort } from './free-port';
import { startApp, type TestApp } from './test-app';

/** Debian's chromium, never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser tests can run here; CI installs it (.ci/run), so there it must be. */
export function haveChromium(what: string): boolean {
  const have = existsSync(CHROMIUM);
  if (!have && process.env.CI) throw new Error(`CI needs ${CHROMIUM} for ${what}`);
  return have;
}

/** Headless, offline: no update checks or background traffic from the browser itself. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** A page in a fresh browser profile, watched while a test uses it. */
export interface Watched {
  page: Page;
  context: BrowserContext;
  /** Requests to anywhere but the server under test. */
  foreign: string[];
  /** Script errors and CSP violations in the page. */
  problems: string[];
}

/** A fresh browser profile in a language, watched for foreign requests, errors and CSP reports. */
export async function openWatched(
  browser: Browser,
  base: string,
  locale: string,
  /** Other origins the page may visit (a provider's sign-in pages). */
  alsoAllowed: string[] = [],
): Promise<Watched> {
  const context = await browser.newContext({ locale, acceptDownloads: true });
  const page = await context.newPage();
  const w: Watched = { page, context, foreign: [], problems: [] };
  page.on('request', (r) => {
    const url = r.url();
    const allowed = [base, 'data:', 'blob:', ...alsoAllowed];
    if (!allowed.some((prefix) => url.startsWith(prefix))) {
      w.foreign.push(url);
    }
  });
  page.on('pageerror', (e) => w.problems.push(`error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) w.problems.push(`csp: ${m.text()}`);
  });
  // Runs before the page's scripts (through the DevTools protocol, so the CSP allows it).
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return w;
}

interface AxeResults {
  violations: Array<{ id: string; impact?: string; nodes: Array<{ target: string[] }> }>;
}

/** The serious and critical axe-core violations of the page as it is now, and a screenshot. */
export async function seriousViolations(page: Page, shot: string): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (c: Document) => Promise<AxeResults> } }).axe;
    const result = await axe.run(document);
    return result.violations
      .filter((v) => v.impact === 'critical' || v.impact === 'serious')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  await page.screenshot({ path: shot, fullPage: true });
  return violations;
}

/**
 * The hooks of a browser suite: the app (with `settings`, given the origin it will listen on) on
 * 127.0.0.1, one Chromium, and pages that must end each test with no foreign request, script
 * error or CSP report. `state` is filled once the suite's beforeAll has run.
 */
export function browserSuite(
  shots: string,
  settings: (base: string) => Record<string, string> | Promise<Record<string, string>>,
  /** The name the browser uses for 127.0.0.1 (WebAuthn needs a domain: `localhost`). */
  host = '127.0.0.1',
) {
  const state = {
    t: undefined as unknown as TestApp,
    base: '',
    browser: undefined as unknown as Browser,
  };
  const opened: Watched[] = [];
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    const port = await freePort();
    state.base = `http://${host}:${port}`;
    state.t = await startApp(await settings(state.base));
    await state.t.app.listen(port, '127.0.0.1');
    state.browser = await launchChromium();
  });
  afterAll(async () => {
    await state.browser?.close();
    await state.t?.destroy();
  });
  afterEach(async () => {
    for (const w of opened.splice(0)) {
      expect({ foreign: w.foreign, problems: w.problems }).toEqual({ foreign: [], problems: [] });
      await w.context.close();
    }
  });
  return {
    state,
    async open(locale = 'en-US', alsoAllowed: string[] = []): Promise<Watched> {
      const w = await openWatched(state.browser, state.base, locale, alsoAllowed);
      opened.push(w);
      return w;
    },
    /** No critical or serious axe-core violation, and a screenshot for people to look at. */
    async check(page: Page, name: string): Promise<void> {
      const violations = await seriousViolations(page, join(shots, `${name}.png`));
      expect({ page: name, violations }).toEqual({ page: name, violations: [] });
    },
  };
}

/** The web font the test provider's pages import: answered with nothing, nothing leaves. */
const PROVIDER_FONTS = 'https://fonts.googleapis.com';

/**
 * In a page of `suite` allowed to reach `issuer`: opens `path` of the server, clicks its "Sign in
 * with Corp SSO" button (after `check(page, shot)` when `shot` is given) and goes through the test
 * provider's login as `login`, to its consent page. Returns the page and the URL the flow started
 * with (GET /login/oauth/corp?...).
 */
export async function toProviderConsent(
  suite: ReturnType<typeof browserSuite>,
  issuer: string,
  path: string,
  login: string,
  shot?: string,
): Promise<Watched & { startUrl: URL }> {
  const w = await suite.open('en-US', [issuer, PROVIDER_FONTS]);
  await w.context.route(`${PROVIDER_FONTS}/**`, (r) => r.abort());
  const { page } = w;
  await page.goto(`${suite.state.base}${path}`);
  const button = page.getByRole('button', { name: 'Sign in with Corp SSO' });
  await button.waitFor();
  if (shot) await suite.check(page, shot);
  const start = page.waitForRequest((r) => r.url().includes('/login/oauth/corp?'));
  await button.click();
  const startUrl = new URL((await start).url());
  await page.getByRole('heading', { name: 'Sign-in' }).waitFor();
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('heading', { name: 'Authorize' }).waitFor();
  return { ...w, startUrl };
}
