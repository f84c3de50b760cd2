// The UI text of a page: the server picks the language from Accept-Language and writes it into
// <html lang>; each page's i18n.js holds its messages, every key in every language, on top of
// the ones both pages use (messages.js).
import { COMMON } from './messages.js';

/** `{ lang, t }` for the page's messages: `t(key, vars)` fills `{name}` from `vars`. */
export function translator(messages) {
  const lang = document.documentElement.lang in messages ? document.documentElement.lang : 'en';
  const own = { ...COMMON[lang], ...messages[lang] };
  const fallback = { ...COMMON.en, ...messages.en };
  const t = (key, vars = {}) => {
    const text = own[key] ?? fallback[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
  };
  return { lang, t };
}
