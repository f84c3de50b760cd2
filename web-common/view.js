// Small views both pages use. './i18n.js' is the importing page's own messages: the shared files
// are served beside each page's files, under the page's /assets/.
import { h } from './dom.js';
import { lang, t } from './i18n.js';

export const dateTime = new Intl.DateTimeFormat(lang, {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** An ISO time as a <time> in UTC, or a dash. */
export function when(iso) {
  if (!iso) return '—';
  return h('time', { datetime: iso }, `${dateTime.format(new Date(iso))} UTC`);
}

/** A table with a caption, column headers and one row per item. */
export function table(caption, columns, items, empty) {
  if (!items.length) return h('p', { class: 'empty' }, empty ?? t('empty'));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map(([label]) => h('th', { scope: 'col' }, label)),
        ),
      ),
      h(
        'tbody',
        {},
        items.map((item) =>
          h(
            'tr',
            {},
            columns.map(([, cell]) => h('td', {}, cell(item))),
          ),
        ),
      ),
    ),
  );
}
