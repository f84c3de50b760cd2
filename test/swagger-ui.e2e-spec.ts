import { existsSync } from 'node:fs';
import { chromium, Browser } from 'playwright-core';
import { loginToken } from './support/factories';
import { freePort } from './support/free-port';
import { startApp, TestApp } from './support/test-app';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// CI installs Debian's chromium (.ci/run); elsewhere the browser test runs when it is there.
const haveBrowser = existsSync(CHROMIUM);
if (!haveBrowser && process.env.CI) throw new Error(`CI needs ${CHROMIUM} for the Swagger UI test`);

interface Operation {
  tags?: string[];
  security?: unknown;
  requestBody?: unknown;
  responses: Record<string, unknown>;
  parameters?: { name: string }[];
}

const ROOT = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'swagger root password 2026' };

describe('the Swagger UI, as admins use it', () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await startApp(ROOT);
    const port = await freePort();
    await t.app.listen(port, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => t.destroy());

  it('documents every admin route with its parameters, responses and the lock', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    const adminOps = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(
      ([path, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => op.tags?.includes('admin'))
          .map(([method, op]) => ({ path, method, op })),
    );
    const names = adminOps.map((o) => `${o.method.toUpperCase()} ${o.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'GET /users/list',
        'POST /users/add',
        'PUT /users/status/change',
        'GET /users/actions',
      ]),
    );
    for (const { op, method, path } of adminOps) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, security: op.security }).toEqual({ where, security: [{ bearer: [] }] });
      expect({ where, has401: Boolean(op.responses['401']) }).toEqual({ where, has401: true });
      const ok = Object.keys(op.responses).find((s) => s.startsWith('2'));
      expect({ where, ok }).toEqual({ where, ok: expect.any(String) });
      if (['post', 'put'].includes(method)) {
        expect({ where, body: Boolean(op.requestBody) }).toEqual({ where, body: true });
      }
    }
    const list = doc.paths['/users/list'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['page', 'per_page', 'search', 'role', 'sort']),
    );
  });

  (haveBrowser ? it : it.skip)(
    'authorizes with a root token and runs GET /users/list from the page',
    async () => {
      const token = await loginToken(t, ROOT.ADMIN_EMAIL, ROOT.ADMIN_PASSWORD);
      let browser: Browser | undefined;
      try {
        browser = await chromium.launch({
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
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${base}/docs`);
        await page
          .getByRole('button', { name: /Authorize/ })
          .first()
          .click();
        // The session's scheme (the dialog also offers `metrics`, for GET /metrics).
        const bearerForm = page.locator('.modal-ux form', { hasText: 'bearer (http' });
        await bearerForm.locator('input[type=text]').fill(token);
        await bearerForm.locator('button.authorize').click();
        await bearerForm.locator('button.btn-done').click();

        const op = page.locator('.opblock-get', { hasText: '/users/list' }).first();
        await op.locator('.opblock-summary').click();
        await op.getByRole('button', { name: 'Try it out' }).click();
        await op.getByRole('button', { name: 'Execute' }).click();
        const body = op
          .locator('.responses-wrapper .live-responses-table .response-col_description pre')
          .first();
        await body.waitFor();
        const text = await body.innerText();
        expect(text).toContain(ROOT.ADMIN_EMAIL);
        expect(text).toContain('"total_count"');
        // The lock is shown on the admin operations (Swagger UI renders it as an authorization button).
        expect(await page.locator('.opblock .authorization__btn').count()).toBeGreaterThan(3);
        expect(errors).toEqual([]);
      } finally {
        await browser?.close();
      }
    },
    60_000,
  );
});
