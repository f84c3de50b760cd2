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
import { AppError } from '../common/errors';
import { appConfig, AppConfig, authConfig, AuthConfig } from '../config/config';

/**
 * The few HTML pages a mailed link opens. They work under the app's CSP: no script at all, a
 * plain form that posts back to the same path (relative, so a path prefix behind a proxy works).
 */
const LAYOUT = Handlebars.compile(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{title}} · {{appName}}</title>
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
  .hint { font-size: 14px; color: #7b8794; }
</style>
</head>
<body><main>
<div class="app">{{appName}}</div>
<h1>{{title}}</h1>
{{{body}}}
</main></body>
</html>`);

const CONFIRM =
  Handlebars.compile(`<p>Confirm the address <strong>{{email}}</strong>{{#if setPassword}} and choose your password{{/if}}.</p>
<form method="post" action="{{action}}">
  <input type="hidden" name="token" value="{{token}}">
  {{#if setPassword}}
  <label for="password">{{passwordLabel}}</label>
  <input id="password" name="{{passwordField}}" type="password" autocomplete="new-password" minlength="{{minLength}}" required>
  <p class="hint">At least {{minLength}} characters.</p>
  {{/if}}
  <button type="submit">{{button}}</button>
</form>`);

const MESSAGE = Handlebars.compile(`<p>{{message}}</p>`);

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
  ) {}

  /** True when the request came from one of these pages' forms (answer with HTML, not JSON). */
  static isFormPost(req: Request): boolean {
    return req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
  }

  confirmEmail(token: string, email: string, setPassword: boolean): string {
    return this.page(
      'Confirm your email',
      CONFIRM({
        action: 'verify',
        token,
        email,
        setPassword,
        passwordField: 'password',
        passwordLabel: 'Your password',
        minLength: this.auth.passwordMinLength,
        button: setPassword ? 'Confirm and set password' : 'Confirm my email',
      }),
    );
  }

  resetPassword(token: string, email: string): string {
    return this.page(
      'Choose a new password',
      CONFIRM({
        action: 'reset',
        token,
        email,
        setPassword: true,
        passwordField: 'new_password',
        passwordLabel: 'New password',
        minLength: this.auth.passwordMinLength,
        button: 'Set the new password',
      }),
    );
  }

  message(title: string, message: string): string {
    return this.page(title, MESSAGE({ message }));
  }

  invalidLink(): string {
    return this.message(
      'This link does not work',
      'The link is invalid, expired or already used. Ask for a new mail and use its link.',
    );
  }

  /** The page of a mailed link: `render` for a live link, else the "does not work" page (400). */
  forLink<T extends { valid: true }>(
    res: Response,
    state: T | { valid: false },
    render: (live: T) => string,
  ): string {
    res.type('html');
    res.setHeader('Cache-Control', 'no-store');
    if (!state.valid) {
      res.status(400);
      return this.invalidLink();
    }
    return render(state);
  }

  /**
   * Runs a form post's action and answers with an HTML page: the success page, or for an error of
   * ours its message with its status (an unexpected error still goes to the JSON error filter).
   */
  async respond<T>(
    res: Response,
    action: () => Promise<T>,
    done: (result: T) => string,
  ): Promise<string> {
    res.type('html');
    res.setHeader('Cache-Control', 'no-store');
    try {
      return done(await action());
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      res.status(e.getStatus());
      for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
      const detail = Array.isArray(e.detail) ? e.detail.join(' ') : e.detail;
      return this.message('That did not work', detail);
    }
  }

  private page(title: string, body: string): string {
    return LAYOUT({ title, body, appName: this.app.appName });
  }
}
