// The UI text of a page: the server picks the language from Accept-Language and writes it into
// <html lang>; each page's i18n.js holds its messages, every key in every language.

/** `{ lang, t }` for the page's messages: `t(key, vars)` fills `{name}` from `vars`. */
export function translator(messages) {
  const lang = document.documentElement.lang in messages ? document.documentElement.lang : 'en';
  const t = (key, vars = {}) => {
    const text = messages[lang][key] ?? messages.en[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
  };
  return { lang, t };
}
