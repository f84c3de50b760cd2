import { Inject, Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import Negotiator from 'negotiator';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mailConfig, MailConfig } from '../config/config';
import { setSupportedLocales } from './locale.field';
import { MAIL_TEMPLATE_NAMES, TEMPLATE_PARTS } from './mail-templates';

/** The shipped templates: one folder per locale, plus `partials/` shared by all. */
export const SHIPPED_TEMPLATES_DIR = join(__dirname, 'templates');

/** A template that does not compile, or a folder that is not as expected; stops the start. */
export class MailTemplateError extends Error {
  constructor(path: string, reason: string) {
    super(`mail template ${path}: ${reason}`);
    this.name = 'MailTemplateError';
  }
}

type Compiled = Handlebars.TemplateDelegate;

/** What a locale folder holds, compiled. */
interface LocaleBundle {
  dir: 'ltr' | 'rtl';
  /** `<name>.<part>` (`email-confirm.html`, `layout.text`, ...) to the compiled file. */
  files: Map<string, { compiled: Compiled; path: string }>;
  preheader: Map<string, Compiled>;
  page: Map<string, Compiled>;
}

interface Strings {
  dir?: string;
  preheader?: Record<string, string>;
  page?: Record<string, string>;
}

const LOCALE_NAME = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const FILE_NAME = /^([a-z0-9-]+)\.(subject|html|text)\.hbs$/;
const LAYOUT_PARTS = ['html', 'text'];

/**
 * The mail templates and page strings of every locale: the shipped folders, with the operator's
 * MAIL_TEMPLATES_DIR laid over them file by file. Everything is read and compiled once at start,
 * so a broken file stops the start with its path instead of failing a mail later.
 *
 * Plurals and dates use Intl (the `plural` and `date` helpers), so a locale needs no code.
 */
@Injectable()
export class MailCatalog {
  readonly hbs = Handlebars.create();
  private readonly bundles = new Map<string, LocaleBundle>();
  private readonly pluralRules = new Map<string, Intl.PluralRules>();
  private readonly dateFormats = new Map<string, Intl.DateTimeFormat>();
  locales: string[] = [];

  constructor(@Inject(mailConfig.KEY) private readonly cfg: MailConfig) {
    this.registerHelpers();
    // In the constructor, so that nothing can use the catalog before it has loaded.
    this.load();
  }

  get defaultLocale(): string {
    return this.cfg.defaultLocale;
  }

  /** Reads and compiles every folder. Throws MailTemplateError naming the file at fault. */
  load(): void {
    this.bundles.clear();
    const operatorDir = this.cfg.templatesDir;
    if (operatorDir !== undefined && !isDir(operatorDir)) {
      throw new MailTemplateError(operatorDir, 'MAIL_TEMPLATES_DIR is not a folder');
    }
    const roots = [SHIPPED_TEMPLATES_DIR, ...(operatorDir ? [operatorDir] : [])];
    for (const root of roots) {
      const partials = join(root, 'partials');
      if (isDir(partials)) this.loadPartials(partials);
    }
    for (const root of roots) {
      for (const entry of readdirSync(root).sort()) {
        const dir = join(root, entry);
        if (entry === 'partials' || !isDir(dir)) continue;
        if (!LOCALE_NAME.test(entry)) {
          throw new MailTemplateError(dir, 'a locale folder is named like "en", "ru" or "pt-BR"');
        }
        this.loadLocale(entry, dir);
      }
    }
    for (const [locale, bundle] of this.bundles) this.assertComplete(locale, bundle);
    this.locales = [...this.bundles.keys()];
    if (!this.bundles.has(this.defaultLocale)) {
      throw new MailTemplateError(
        this.cfg.templatesDir ?? SHIPPED_TEMPLATES_DIR,
        `MAIL_DEFAULT_LOCALE="${this.defaultLocale}" has no templates (locales: ${this.locales.join(', ')})`,
      );
    }
    setSupportedLocales(this.locales);
  }

  /** The locale to write in: the user's, else the request's Accept-Language, else the default. */
  resolve(opts: { userLocale?: string | null; acceptLanguage?: string | null }): string {
    if (opts.userLocale && this.bundles.has(opts.userLocale)) return opts.userLocale;
    return this.negotiate(opts.acceptLanguage) ?? this.defaultLocale;
  }

  /** The best supported locale for an Accept-Language header, if any is acceptable. */
  negotiate(acceptLanguage?: string | null): string | undefined {
    if (!acceptLanguage) return undefined;
    return new Negotiator({ headers: { 'accept-language': acceptLanguage } }).language(
      this.locales,
    );
  }

  has(locale: string): boolean {
    return this.bundles.has(locale);
  }

  /** Which locales have this template (all of them, since every locale must be complete). */
  localesOf(name: string): string[] {
    return this.locales.filter((l) => this.bundles.get(l)!.files.has(`${name}.html`));
  }

  dir(locale: string): 'ltr' | 'rtl' {
    return this.bundle(locale).dir;
  }

  file(locale: string, key: string): Compiled {
    const f = this.bundle(locale).files.get(key);
    if (!f) throw new Error(`no mail template ${key} in ${locale}`);
    return f.compiled;
  }

  /** The file a template was read from (the operator's, where it overrides the shipped one). */
  pathOf(locale: string, key: string): string {
    return this.bundle(locale).files.get(key)?.path ?? key;
  }

  preheader(locale: string, name: string): Compiled | undefined {
    return this.bundle(locale).preheader.get(name);
  }

  /** A string of the account pages, rendered with `vars` (HTML-escaped). */
  page(locale: string, key: string, vars: Record<string, unknown> = {}): string {
    const t = this.bundle(locale).page.get(key) ?? this.bundle(this.defaultLocale).page.get(key);
    if (!t) throw new Error(`no page string ${key}`);
    return t({ ...vars, locale });
  }

  hasPage(locale: string, key: string): boolean {
    return this.bundle(locale).page.has(key);
  }

  private bundle(locale: string): LocaleBundle {
    return this.bundles.get(locale) ?? this.bundles.get(this.defaultLocale)!;
  }

  private loadPartials(dir: string): void {
    for (const file of readdirSync(dir)) {
      const m = /^([a-z0-9-]+)\.html\.hbs$/.exec(file);
      if (!m) continue;
      const path = join(dir, file);
      this.hbs.registerPartial(m[1], this.compileFile(path, true).source);
    }
  }

  private loadLocale(locale: string, dir: string): void {
    const bundle = this.bundles.get(locale) ?? {
      dir: 'ltr',
      files: new Map(),
      preheader: new Map(),
      page: new Map(),
    };
    for (const file of readdirSync(dir).sort()) {
      const path = join(dir, file);
      if (file === 'strings.json') {
        this.loadStrings(bundle, path);
        continue;
      }
      if (!file.endsWith('.hbs')) continue;
      const m = FILE_NAME.exec(file);
      const known =
        m &&
        (m[1] === 'layout'
          ? LAYOUT_PARTS.includes(m[2])
          : (MAIL_TEMPLATE_NAMES as string[]).includes(m[1]));
      if (!m || !known) {
        throw new MailTemplateError(
          path,
          'not a template of this server (expected <name>.{subject,html,text}.hbs with a name docs/operations.md (Mail) lists)',
        );
      }
      const { compiled } = this.compileFile(path, m[2] === 'html');
      bundle.files.set(`${m[1]}.${m[2]}`, { compiled, path });
    }
    this.bundles.set(locale, bundle);
  }

  private loadStrings(bundle: LocaleBundle, path: string): void {
    let strings: Strings;
    try {
      strings = JSON.parse(readFileSync(path, 'utf8')) as Strings;
    } catch (e) {
      throw new MailTemplateError(path, `not valid JSON (${(e as Error).message})`);
    }
    if (strings.dir !== undefined) {
      if (strings.dir !== 'ltr' && strings.dir !== 'rtl') {
        throw new MailTemplateError(path, '"dir" must be "ltr" or "rtl"');
      }
      bundle.dir = strings.dir;
    }
    for (const [group, target, escape] of [
      ['preheader', bundle.preheader, false],
      ['page', bundle.page, true],
    ] as const) {
      for (const [key, text] of Object.entries(strings[group] ?? {})) {
        if (typeof text !== 'string') {
          throw new MailTemplateError(path, `"${group}.${key}" must be a string`);
        }
        target.set(key, this.compileSource(path, text, escape));
      }
    }
  }

  private compileFile(path: string, escape: boolean): { compiled: Compiled; source: string } {
    const source = readFileSync(path, 'utf8');
    return { compiled: this.compileSource(path, source, escape), source };
  }

  /** Parses now (Handlebars compiles lazily), so a syntax error names its file at start. */
  private compileSource(path: string, source: string, escape: boolean): Compiled {
    try {
      this.hbs.precompile(source, { strict: true });
    } catch (e) {
      throw new MailTemplateError(path, (e as Error).message.split('\n').slice(0, 4).join(' '));
    }
    return this.hbs.compile(source, { noEscape: !escape, strict: true });
  }

  /** A locale serves every template, or none of its mails could be trusted to exist. */
  private assertComplete(locale: string, bundle: LocaleBundle): void {
    const where = this.cfg.templatesDir ? join(this.cfg.templatesDir, locale) : locale;
    const missing: string[] = [];
    for (const part of LAYOUT_PARTS) {
      if (!bundle.files.has(`layout.${part}`)) missing.push(`layout.${part}.hbs`);
    }
    for (const name of MAIL_TEMPLATE_NAMES) {
      for (const part of TEMPLATE_PARTS) {
        if (!bundle.files.has(`${name}.${part}`)) missing.push(`${name}.${part}.hbs`);
      }
    }
    if (missing.length) {
      throw new MailTemplateError(where, `locale ${locale} lacks ${missing.join(', ')}`);
    }
  }

  private registerHelpers(): void {
    const localeOf = (options: Handlebars.HelperOptions): string =>
      String((options.data as { root?: { locale?: string } }).root?.locale ?? this.defaultLocale);

    /** `{{plural n one="# file" few="# files" other="# files"}}`: the form Intl picks for n. */
    this.hbs.registerHelper('plural', (n: unknown, options: Handlebars.HelperOptions) => {
      const locale = localeOf(options);
      const count = Number(n);
      let rules = this.pluralRules.get(locale);
      if (!rules) this.pluralRules.set(locale, (rules = new Intl.PluralRules(locale)));
      const forms = options.hash as Record<string, string>;
      const form = forms[rules.select(count)] ?? forms.other;
      if (form === undefined) throw new Error(`plural: no "other" form for ${count}`);
      return form.replace(/#/g, count.toLocaleString(locale));
    });

    /** `{{date iso}}`: a date and time as the locale writes them, in UTC. */
    this.hbs.registerHelper('date', (value: unknown, options: Handlebars.HelperOptions) => {
      const locale = localeOf(options);
      let f = this.dateFormats.get(locale);
      if (!f) {
        f = new Intl.DateTimeFormat(locale, {
          dateStyle: 'long',
          timeStyle: 'short',
          timeZone: 'UTC',
        });
        this.dateFormats.set(locale, f);
      }
      return `${f.format(new Date(String(value)))} UTC`;
    });

    this.hbs.registerHelper('concat', (...args: unknown[]) =>
      args.slice(0, -1).map(String).join(''),
    );
  }
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
