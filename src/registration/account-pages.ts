import { applyDecorators, Inject, Injectable } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import Handlebars from 'handlebars';
import { acceptLanguageOf } from '../common/decorators/accept-language.decorator';
import { AppError } from '../common/errors';
import { appConfig, AppConfig, authConfig, AuthConfig } from '../config/config';
import { MailCatalog } from '../mail/mail-catalog';

/**
 * The few HTML pages a mailed link opens, in the language the browser asks for (Accept-Language;
 * the words come from the locale's strings.json). They work under the app's CSP: no script at all,
 * a plain form that posts back to the same path (relative, so a path prefix behind a proxy works).
 */
const LAYOUT = Handlebars.compile(`<!doctype html>
<html lang="{{locale}}" dir="{{dir}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{{title}}} · {{appName}}</title>
<style>
  body { margin: 0; background: #f4f5f7; color: #1f2933;
         font: 16px/1.6 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
  main { max-width: 440px; margin: 10vh auto; background: #fff; border: 1px solid #e4e7eb;
         border-radius: 8px; padding: 32px; }
  h1 { font-size: 20px; margin: 0 0 16px; }
  .app { font-weight: 600; color: #7b8794; margin-bottom: 24px; }
  label { display: block; font-weight: 600; margin: 16px 0 4px; }
  input[type=password] { width: 100%; box-sizing: border-box; padding: 10px; font-size: 16px;
         border: 1px solid #cbd2d9; border-radius: 6px; }
  button { margin-top: 20px; width: 100%; padding: 12px; font-size: 16px; font-weight: 600;
         color: #fff; background: #2563eb; border: 0; border-radius: 6px; cursor: pointer; }
  button.danger { background: #c81e1e; }
  .hint { font-size: 14px; color: #7b8794; }
</style>
</head>
<body><main>
<div class="app">{{appName}}</div>
<h1>{{{title}}}</h1>
{{{body}}}
</main></body>
</html>`);

const FORM = Handlebars.compile(`<p>{{{intro}}}</p>
<form method="post" action="{{action}}">
  <input type="hidden" name="token" value="{{token}}">
  {{#if passwordField}}
  <label for="password">{{passwordLabel}}</label>
  <input id="password" name="{{passwordField}}" type="password" autocomplete="new-password" minlength="{{minLength}}" required>
  <p class="hint">{{hint}}</p>
  {{/if}}
  <button type="submit"{{#if danger}} class="danger"{{/if}}>{{button}}</button>
</form>`);

// Titles and messages come from the catalog already escaped (or are escaped where they do not).
const MESSAGE = Handlebars.compile(`<p>{{{message}}}</p>`);

// After a link did its work: the way on to the account page (GET /account).
const ACCOUNT_LINK = Handlebars.compile(`<p><a href="{{href}}">{{{text}}}</a></p>`);

/** Swagger for the GET page a mailed link opens (`?token=`), whose form posts to `postsTo`. */
/** Said in the document, so that clients (and the fuzz test) know these errors are pages. */
const HTML_PAGE = { 'text/html': { schema: { type: 'string' as const } } };

export const ApiLinkPage = (summary: string, postsTo: string) =>
  applyDecorators(
    ApiOperation({
      summary,
      description: 'An HTML page; a GET never changes anything (mail scanners follow links).',
    }),
    ApiQuery({ name: 'token', required: true }),
    ApiProduces('text/html'),
    ApiOkResponse({
      description: `HTML page with a form that posts to ${postsTo}`,
      content: HTML_PAGE,
    }),
    ApiBadRequestResponse({
      description: 'HTML page: the link is invalid, expired or used',
      content: HTML_PAGE,
    }),
  );

@Injectable()
export class AccountPages {
  constructor(
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    @Inject(authConfig.KEY) private readonly auth: AuthConfig,
    private readonly catalog: MailCatalog,
  ) {}

  /** True when the request came from one of these pages' forms (answer with HTML, not JSON). */
  static isFormPost(req: Request): boolean {
    return req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
  }

  confirmEmail(lang: Lang, token: string, email: string, setPassword: boolean): string {
    const locale = this.locale(lang);
    const t = (key: string) => this.catalog.page(locale, key, { email });
    return this.page(
      locale,
      t('confirm.title'),
      FORM({
        action: 'verify',
        token,
        intro: t(setPassword ? 'confirm.introWithPassword' : 'confirm.intro'),
        ...(setPassword ? this.passwordInput(locale, 'password', 'password.label') : {}),
        button: t(setPassword ? 'confirm.buttonWithPassword' : 'confirm.button'),
      }),
    );
  }

  resetPassword(lang: Lang, token: string, email: string): string {
    const locale = this.locale(lang);
    const t = (key: string) => this.catalog.page(locale, key, { email });
    return this.page(
      locale,
      t('reset.title'),
      FORM({
        action: 'reset',
        token,
        intro: t('reset.intro'),
        ...this.passwordInput(locale, 'new_password', 'password.newLabel'),
        button: t('reset.button'),
      }),
    );
  }

  /** The "this wasn't me" page of a security notice: one button, which posts. */
  secureAccount(lang: Lang, token: string, email: string): string {
    const locale = this.locale(lang);
    const t = (key: string) => this.catalog.page(locale, key, { email });
    return this.page(
      locale,
      t('secure.title'),
      FORM({
        action: 'secure',
        token,
        intro: t('secure.intro'),
        button: t('secure.button'),
        danger: true,
      }),
    );
  }

  /** The page after a form post worked: `<flow>.done.title` and `<flow>.done.message`. */
  done(
    lang: Lang,
    flow: 'confirm' | 'reset' | 'secure',
    vars: Record<string, unknown> = {},
  ): string {
    const locale = this.locale(lang);
    const message = MESSAGE({ message: this.catalog.page(locale, `${flow}.done.message`, vars) });
    // An operator's strings without the link's words leave the link out.
    const link = this.catalog.hasPage(locale, 'account.link')
      ? ACCOUNT_LINK({
          href: `${this.app.publicUrl}/account`,
          text: this.catalog.page(locale, 'account.link'),
        })
      : '';
    return this.page(locale, this.catalog.page(locale, `${flow}.done.title`, vars), message + link);
  }

  /** The page of a mailed link: `render` for a live link, else the "does not work" page (400). */
  forLink<T extends { valid: true }>(
    res: Response,
    lang: Lang,
    state: T | { valid: false },
    render: (live: T) => string,
  ): string {
    res.type('html');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept-Language');
    if (!state.valid) {
      res.status(400);
      const locale = this.locale(lang);
      return this.message(
        locale,
        this.catalog.page(locale, 'invalid.title'),
        this.catalog.page(locale, 'invalid.message'),
      );
    }
    return render(state);
  }

  /**
   * Runs the action of a page's POST route. An API client (JSON) gets the action's result; the
   * page's own form gets an HTML page: the success page, or for an error of ours its message with
   * its status (an unexpected error still goes to the JSON error filter). The error's own message
   * is in English; a locale may give a code its words (`error.<code>`).
   */
  async respond<T>(
    req: Request,
    res: Response,
    action: () => Promise<T>,
    done: (result: T, lang: Lang) => string,
  ): Promise<T | string> {
    if (!AccountPages.isFormPost(req)) return action();
    const lang = acceptLanguageOf(req);
    res.type('html');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept-Language');
    try {
      return done(await action(), lang);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      res.status(e.getStatus());
      for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
      const locale = this.locale(lang);
      const detail = this.catalog.hasPage(locale, `error.${e.code}`)
        ? this.catalog.page(locale, `error.${e.code}`)
        : Handlebars.escapeExpression(Array.isArray(e.detail) ? e.detail.join(' ') : e.detail);
      return this.message(locale, this.catalog.page(locale, 'error.title'), detail);
    }
  }

  private locale(lang: Lang): string {
    return this.catalog.resolve({ acceptLanguage: lang });
  }

  private passwordInput(locale: string, field: string, labelKey: string) {
    const minLength = this.auth.passwordMinLength;
    return {
      passwordField: field,
      passwordLabel: this.catalog.page(locale, labelKey),
      minLength,
      hint: this.catalog.page(locale, 'password.hint', { minLength }),
    };
  }

  private message(locale: string, title: string, message: string): string {
    return this.page(locale, title, MESSAGE({ message }));
  }

  private page(locale: string, title: string, body: string): string {
    return LAYOUT({
      title,
      body,
      appName: this.app.appName,
      locale,
      dir: this.catalog.dir(locale),
    });
  }
}

/** The request's Accept-Language header, as the controllers pass it. */
type Lang = string | undefined;
