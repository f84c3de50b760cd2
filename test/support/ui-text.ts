import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** The keys of `const <name> = {...}` (or `<name>: {...}`) in a messages file. */
function keysOf(source: string, name: string): Set<string> {
  const m =
    new RegExp(`const ${name} = \\{([\\s\\S]*?)\\n\\};`).exec(source) ??
    new RegExp(`\\n  ${name}: \\{([\\s\\S]*?)\\n  \\},`).exec(source);
  if (!m) throw new Error(`no ${name} messages`);
  return new Set([...m[1].matchAll(/^\s+'?([\w.-]+)'?:/gm)].map((k) => k[1]));
}

/**
 * The UI text of a page (admin, account): the keys of each language, its own (i18n.js) with the
 * shared ones (web-common/messages.js), and the keys its scripts ask for: `t('key')`, and quoted
 * keys that start with one of `prefixes` (keys passed around before `t` reads them).
 */
export function pageText(folder: string, prefixes: string[]) {
  const own = readFileSync(join(ROOT, folder, 'i18n.js'), 'utf8');
  const common = readFileSync(join(ROOT, 'web-common', 'messages.js'), 'utf8');
  const lang = (name: string) => new Set([...keysOf(own, name), ...keysOf(common, name)]);
  const used = new Set<string>();
  const files = [
    ...readdirSync(join(ROOT, folder)).map((f) => join(ROOT, folder, f)),
    join(ROOT, 'web-common', 'view.js'),
  ].filter((f) => f.endsWith('.js') && !f.endsWith('i18n.js'));
  const quoted = new RegExp(`'((?:${prefixes.join('|')})\\.\\w+)'`, 'g');
  for (const file of files) {
    const code = readFileSync(file, 'utf8');
    for (const [, key] of code.matchAll(/\bt\('([\w.-]+)'/g)) used.add(key);
    for (const [, key] of code.matchAll(quoted)) used.add(key);
  }
  return { en: lang('en'), ru: lang('ru'), used, source: own };
}

/** The files a page's scripts import (`from './x.js'`), its own and the shared ones' imports. */
export function scriptImports(folder: string): string[] {
  const out = new Set<string>();
  for (const dir of [folder, 'web-common']) {
    for (const file of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(join(ROOT, dir, file), 'utf8');
      for (const [, name] of code.matchAll(/from '\.\/([\w-]+\.js)'/g)) out.add(name);
    }
  }
  return [...out];
}
