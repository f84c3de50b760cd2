import { Injectable, OnModuleInit } from '@nestjs/common';
import Negotiator from 'negotiator';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';

/** The UI languages of the console; the first is the fallback. */
export const CONSOLE_LOCALES = ['en', 'ru'] as const;
export type ConsoleLocale = (typeof CONSOLE_LOCALES)[number];

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

const SHELL_TEXT: Record<ConsoleLocale, Record<'title' | 'noscript' | 'skip', string>> = {
  en: {
    title: 'Admin console',
    noscript: 'The admin console needs JavaScript.',
    skip: 'Skip to the content',
  },
  ru: {
    title: 'Консоль администратора',
    noscript: 'Для консоли администратора нужен JavaScript.',
    skip: 'К содержанию',
  },
};

/** The folder `admin/` at the package root, from src/console (ts) or dist/src/console (built). */
function adminFolder(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'admin', 'index.html'))) {
      return join(dir, 'admin');
    }
  }
  throw new Error(`The admin console's files (admin/index.html) are missing above ${__dirname}.`);
}

export interface ConsoleAsset {
  contentType: string;
  body: Buffer;
}

/**
 * The console's files, read once at start: the page shell (in the language of Accept-Language)
 * and its scripts and styles. Only the files that exist at start can be served, so a request
 * path never reaches the file system.
 */
@Injectable()
export class ConsolePage implements OnModuleInit {
  private shell = '';
  private readonly assets = new Map<string, ConsoleAsset>();

  onModuleInit(): void {
    const dir = adminFolder();
    this.shell = readFileSync(join(dir, 'index.html'), 'utf8');
    for (const name of readdirSync(dir)) {
      const contentType = TYPES[extname(name)];
      if (contentType) this.assets.set(name, { contentType, body: readFileSync(join(dir, name)) });
    }
  }

  locale(acceptLanguage: string | undefined): ConsoleLocale {
    const best = new Negotiator({ headers: { 'accept-language': acceptLanguage ?? '' } }).language([
      ...CONSOLE_LOCALES,
    ]);
    return (best as ConsoleLocale | undefined) ?? CONSOLE_LOCALES[0];
  }

  /** The page; `hasCookie` only says whether to ask GET /admin/session (it checks nothing). */
  html(locale: ConsoleLocale, hasCookie: boolean): string {
    const values: Record<string, string> = {
      ...SHELL_TEXT[locale],
      lang: locale,
      session: hasCookie ? 'cookie' : 'none',
    };
    return this.shell.replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k] ?? '');
  }

  asset(name: string): ConsoleAsset | undefined {
    return this.assets.get(name);
  }
}
