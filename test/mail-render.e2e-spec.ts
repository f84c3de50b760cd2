import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { MailCatalog } from '../src/mail/mail-catalog';
import { MAIL_TEMPLATE_NAMES, SAMPLE_VARS } from '../src/mail/mail-templates';
import { MailRenderer } from '../src/mail/mail.renderer';
import { haveChromium, launchChromium } from './support/browser';

const haveBrowser = haveChromium('the mail render test');

/** Screenshots of every mail, kept for a person to look at (git-ignored). */
const ARTIFACTS = join(__dirname, '..', 'test-artifacts', 'mail');

const catalog = new MailCatalog({
  smtpUrl: undefined,
  from: 'x@example.com',
  defaultLocale: 'en',
  templatesDir: undefined,
  securityNotices: true,
});
const renderer = new MailRenderer(catalog, {
  appName: 'Email Auth',
  publicUrl: 'https://auth.example.com',
} as ConstructorParameters<typeof MailRenderer>[1]);

const cases = catalog.locales.flatMap((locale) =>
  MAIL_TEMPLATE_NAMES.map((name) => [locale, name] as const),
);

// It reads no database: the embedded pass runs it, the PostgreSQL pass need not repeat it.
(haveBrowser && !process.env.DATABASE_URL ? describe : describe.skip)(
  'the shipped mail HTML in a real renderer',
  () => {
    let browser: Browser;
    beforeAll(async () => {
      mkdirSync(ARTIFACTS, { recursive: true });
      browser = await launchChromium();
    });
    afterAll(() => browser?.close());

    it.each(cases)(
      'renders %s/%s: lang, dir, preheader, no external resource, fits a phone',
      async (locale, name) => {
        const mail = renderer.render(name, locale, 'ada@example.com', SAMPLE_VARS[name]);
        expect(mail.text.length).toBeGreaterThan(50);
        expect(mail.subject).not.toMatch(/\{\{|\n/);
        const page = await browser.newPage({ viewport: { width: 375, height: 800 } });
        try {
          const requests: string[] = [];
          await page.route('**/*', (route) => {
            requests.push(route.request().url());
            return route.abort();
          });
          await page.setContent(mail.html, { waitUntil: 'load' });
          const facts = await page.evaluate(() => {
            const pre = document.body.firstElementChild as HTMLElement;
            return {
              lang: document.documentElement.lang,
              dir: document.documentElement.dir,
              title: document.title,
              preheaderHidden: getComputedStyle(pre).display === 'none',
              preheader: pre.textContent?.trim() ?? '',
              images: document.images.length,
              stylesheets: document.querySelectorAll('link[rel=stylesheet], style').length,
              overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
              heading: document.querySelector('h1')?.textContent ?? '',
              links: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href') ?? ''),
            };
          });
          expect(facts).toMatchObject({
            lang: locale,
            dir: 'ltr',
            title: mail.subject,
            preheaderHidden: true,
            images: 0,
            stylesheets: 0, // inline styles only: many clients drop <style>
          });
          expect(facts.preheader.length).toBeGreaterThan(10);
          expect(facts.heading.length).toBeGreaterThan(5);
          expect(facts.overflow).toBeLessThanOrEqual(0);
          expect(facts.links.every((href) => href.startsWith('https://auth.example.com'))).toBe(
            true,
          );
          expect(requests).toEqual([]);
          await page.setViewportSize({ width: 640, height: 800 });
          await page.screenshot({ path: join(ARTIFACTS, `${locale}-${name}.png`), fullPage: true });
        } finally {
          await page.close();
        }
      },
    );
  },
);
