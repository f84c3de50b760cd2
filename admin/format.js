import { h } from './dom.js';
import { t } from './i18n.js';
import { dateTime } from './view.js';

export { table, when } from './view.js';

/**
 * Previous/next links for a page of `/users/list`, `/users/actions` or `/mail/outbox`; the count
 * says "more than" when the API stopped counting (total_count_exact: false).
 */
export function pager(path, params, data, noun) {
  const pages = Math.max(1, Math.ceil(data.total_count / data.per_page));
  const exact = data.total_count_exact !== false;
  const count = exact ? String(data.total_count) : t('countAtLeast', { n: data.total_count });
  const link = (page, label, rel) =>
    h('a', { href: hashOf(path, { ...params, page }), rel }, label);
  return h(
    'nav',
    { class: 'pager', 'aria-label': t('pager.label') },
    data.page > 1 ? link(data.page - 1, t('pager.prev'), 'prev') : null,
    h(
      'span',
      {},
      t('pager.status', { page: data.page, pages: exact ? pages : `${pages}+`, count, noun }),
    ),
    data.page < pages ? link(data.page + 1, t('pager.next'), 'next') : null,
  );
}

export function hashOf(path, params = {}) {
  const q = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ''),
  ).toString();
  return `#/${path}${q ? `?${q}` : ''}`;
}

/** A user's state in words: blocked (until when), unconfirmed, or active. */
export function userState(u) {
  if (!u.is_active) {
    return u.blocked_until
      ? t('state.blockedUntil', { until: dateTime.format(new Date(u.blocked_until)) + ' UTC' })
      : t('state.blocked');
  }
  return u.is_confirmed ? t('state.active') : t('state.unconfirmed');
}
