import { api, withQuery } from './api.js';
import { fill, formValues, h, inputField } from './dom.js';
import { pager } from './format.js';
import { t } from './i18n.js';
import { historyTable } from './users.js';

const PER_PAGE = 25;

/** The API's filters from the page's: dates are whole UTC days, `to` included. */
function apiFilters(p) {
  return {
    users: p.users,
    actions: p.actions,
    from: p.from ? `${p.from}T00:00:00.000Z` : undefined,
    to: p.to ? `${p.to}T23:59:59.999Z` : undefined,
  };
}

/** The action history of GET /users/actions: filters, pages, and the CSV / NDJSON export. */
export async function historyPage(ctx) {
  const p = ctx.params;
  ctx.setTitle(t('history.title'));
  const filters = apiFilters(p);
  const data = await api(
    'GET',
    withQuery('/users/actions', { ...filters, page: p.page ?? 1, per_page: PER_PAGE }),
  );
  const form = h(
    'form',
    { role: 'search', class: 'filters', 'aria-label': t('history.filters') },
    inputField(t('history.users'), 'users', {
      value: p.users ?? '',
      inputmode: 'numeric',
      'aria-describedby': 'users-hint',
    }),
    inputField(t('history.actions'), 'actions', {
      value: p.actions ?? '',
      'aria-describedby': 'users-hint',
    }),
    inputField(t('history.from'), 'from', { type: 'date', value: p.from ?? '' }),
    inputField(t('history.to'), 'to', { type: 'date', value: p.to ?? '' }),
    h('button', { type: 'submit' }, t('apply')),
    h('p', { id: 'users-hint', class: 'hint' }, t('history.hint')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go('history', formValues(form));
  });
  const exportLink = (format, label) =>
    h(
      'a',
      {
        href: withQuery('/users/actions/export', { ...filters, format }),
        download: `history.${format}`,
        class: 'button secondary',
      },
      label,
    );
  const pageFilters = { users: p.users, actions: p.actions, from: p.from, to: p.to };
  fill(
    ctx.main,
    h('h1', {}, t('history.title')),
    form,
    h(
      'p',
      { class: 'exports' },
      t('history.export'),
      ' ',
      exportLink('csv', 'CSV'),
      ' ',
      exportLink('ndjson', 'NDJSON'),
    ),
    historyTable(data.records, t('history.caption')),
    pager('history', pageFilters, data, t('history.noun')),
  );
}
