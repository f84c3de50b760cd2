import { OnModuleInit, StreamableFile } from '@nestjs/common';
import Negotiator from 'negotiator';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { CommonErrors } from './errors';

/** The UI languages of the server's own pages; the first is the fallback. */
export const WEB_LOCALES = ['en', 'ru'] as const;
export type WebLocale = (typeof WEB_LOCALES)[number];

/** What the page shell says before its scripts run, per language. */
export type ShellText = Record<WebLocale, Record<'title' | 'noscript' | 'skip', string>>;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The folder that holds what every page shares: the shell, the styles, the small helpers. */
const SHARED = 'web-common';

export interface WebPageOptions {
  /** The page's own folder at the package root (admin, account). */
  folder: string;
  /** Where the page is served (/admin): its files are under `<base>/assets/`. */
  base: string;
  text: ShellText;
  /** Files of installed packages served as they are: `{ 'qr.js': 'qr' }` (the package's main file). */
  vendor?: Record<string, string>;
}

/** The package root (beside package.json), from src/common (ts) or dist/src/common (built). */
function packageRoot(folder: string): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, SHARED, 'index.html'))) {
      if (!existsSync(join(dir, folder))) break;
      return dir;
    }
  }
  throw new Error(
    `The web pages' files (${SHARED}/index.html, ${folder}/) are missing above ${__dirname}.`,
  );
}

export interface WebAsset {
  contentType: string;
  body: Buffer;
}

/**
 * A page the server serves itself (the admin console, the account page): one shell for every
 * page (web-common/index.html, in the language of Accept-Language), and the page's scripts and
 * styles together with the shared ones, all under `<base>/assets/`, so a page's modules import
 * the shared ones as neighbours (`./dom.js`). Read once at start: only the files that exist then
 * can be served, so a request path never reaches the file system.
 */
export abstract class WebPage implements OnModuleInit {
  private shell = '';
  private readonly assets = new Map<string, WebAsset>();

  protected constructor(private readonly options: WebPageOptions) {}

  onModuleInit(): void {
    const root = packageRoot(this.options.folder);
    this.shell = readFileSync(join(root, SHARED, 'index.html'), 'utf8');
    for (const dir of [SHARED, this.options.folder]) {
      for (const name of readdirSync(join(root, dir))) {
        this.add(name, join(root, dir, name));
      }
    }
    for (const [name, pkg] of Object.entries(this.options.vendor ?? {})) {
      this.add(name, require.resolve(pkg), true);
    }
  }

  private add(name: string, path: string, required = false): void {
    const contentType = TYPES[extname(name)];
    if (!contentType) {
      if (required) throw new Error(`${path} is not a script or a style sheet.`);
      return;
    }
    // A page's file never silently replaces a shared one of the same name.
    if (this.assets.has(name)) throw new Error(`Two web files are named ${basename(name)}.`);
    this.assets.set(name, { contentType, body: readFileSync(path) });
  }

  locale(acceptLanguage: string | undefined): WebLocale {
    const best = new Negotiator({ headers: { 'accept-language': acceptLanguage ?? '' } }).language([
      ...WEB_LOCALES,
    ]);
    return (best as WebLocale | undefined) ?? WEB_LOCALES[0];
  }

  /** The page; `hasCookie` only says whether to ask who is signed in (it checks nothing). */
  html(acceptLanguage: string | undefined, hasCookie: boolean): string {
    const locale = this.locale(acceptLanguage);
    const values: Record<string, string> = {
      ...this.options.text[locale],
      lang: locale,
      base: this.options.base,
      session: hasCookie ? 'cookie' : 'none',
    };
    return this.shell.replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k] ?? '');
  }

  /** One of the page's files, or 404 `not_found`. */
  asset(name: string): StreamableFile {
    const file = this.assets.get(name);
    if (!file) throw CommonErrors.not_found({ message: 'No such file.' });
    return new StreamableFile(file.body, { type: file.contentType, length: file.body.length });
  }
}
