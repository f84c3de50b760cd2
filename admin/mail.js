import { api, withQuery } from './api.js';
import { fill, formValues, h, inputField, selectField } from './dom.js';
import { hashOf, pager, table, when } from './format.js';
import { t } from './i18n.js';

const STATUSES = ['pending', 'sending', 'sent', 'failed'];
const PER_PAGE = 25;

/** The mail outbox: status and errors of each mail, and a retry for a failed one. */
export async function outboxPage(ctx) {
  const p = ctx.params;
  ctx.setTitle(t('outbox.title'));
  const query = { status: STATUSES.includes(p.status) ? p.status : undefined, to: p.to };
  const data = await api(
    'GET',
    withQuery('/mail/outbox', { ...query, page: p.page ?? 1, per_page: PER_PAGE }),
  );
  const error = h('p', { role: 'alert', class: 'error', hidden: true });
  const form = h(
    'form',
    { role: 'search', class: 'filters', 'aria-label': t('outbox.filters') },
    selectField(
      t('outbox.status'),
      'status',
      [['', t('any')], ...STATUSES.map((s) => [s, t(`mail.${s}`)])],
      query.status,
    ),
    inputField(t('outbox.to'), 'to', { type: 'search', value: p.to ?? '' }),
    h('button', { type: 'submit' }, t('apply')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go('outbox', formValues(form));
  });
  const retry = (mail) => {
    if (mail.status !== 'failed') return '';
    return h(
      'button',
      {
        type: 'button',
        'aria-label': t('outbox.retryTo', { to: mail.to }),
        onclick: async () => {
          try {
            await api('POST', `/mail/outbox/${encodeURIComponent(mail.id)}/retry`);
            ctx.setFlash(t('outbox.retried', { to: mail.to }));
            ctx.go('outbox', { ...query, page: p.page });
          } catch (e) {
            error.textContent = e.code === 'mail_expired' ? t('outbox.expired') : e.message;
            error.hidden = false;
          }
        },
      },
      t('outbox.retry'),
    );
  };
  fill(
    ctx.main,
    h('h1', {}, t('outbox.title')),
    form,
    error,
    table(
      t('outbox.caption'),
      [
        [t('outbox.to'), (m) => m.to],
        [t('outbox.template'), (m) => m.template],
        [t('field.locale'), (m) => m.locale],
        [
          t('outbox.status'),
          (m) => h('span', { class: `badge ${m.status}` }, t(`mail.${m.status}`)),
        ],
        [t('outbox.attempts'), (m) => String(m.attempts)],
        [t('outbox.lastError'), (m) => m.last_error ?? '—'],
        [t('field.created'), (m) => when(m.created_at)],
        [t('outbox.sentAt'), (m) => when(m.sent_at)],
        [t('outbox.action'), retry],
      ],
      data.mails,
      t('outbox.none'),
    ),
    pager('outbox', query, data, t('outbox.noun')),
  );
}

/** The mail templates, and a preview of one in a locale (sample data, operator overrides). */
export async function templatesPage(ctx, name) {
  ctx.setTitle(t('templates.title'));
  const { templates } = await api('GET', '/mail/templates');
  const list = h(
    'ul',
    { class: 'templates' },
    templates.map((tpl) =>
      h(
        'li',
        {},
        h(
          'a',
          {
            href: hashOf(`templates/${tpl.name}`),
            'aria-current': tpl.name === name ? 'page' : undefined,
          },
          tpl.name,
        ),
        ` (${tpl.locales.join(', ')})`,
      ),
    ),
  );
  const sections = [h('h1', {}, t('templates.title')), list];
  const chosen = templates.find((tpl) => tpl.name === name);
  if (chosen) {
    const locale = chosen.locales.includes(ctx.params.locale)
      ? ctx.params.locale
      : chosen.locales[0];
    const format = ctx.params.format === 'text' ? 'text' : 'html';
    const form = h(
      'form',
      { class: 'filters', 'aria-label': t('templates.options') },
      selectField(
        t('field.locale'),
        'locale',
        chosen.locales.map((l) => [l, l]),
        locale,
      ),
      selectField(
        t('templates.format'),
        'format',
        [
          ['html', 'HTML'],
          ['text', t('templates.text')],
        ],
        format,
      ),
      h('button', { type: 'submit' }, t('templates.show')),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      ctx.go(`templates/${chosen.name}`, formValues(form));
    });
    const body = await api(
      'GET',
      withQuery(`/mail/templates/${encodeURIComponent(chosen.name)}/preview`, { locale, format }),
    );
    const title = t('templates.previewOf', { name: chosen.name, locale });
    // srcdoc in a sandbox without scripts: the mail's HTML can neither run code nor reach the page.
    const preview =
      format === 'html'
        ? h('iframe', { class: 'preview', title, sandbox: '', srcdoc: body })
        : h('pre', { class: 'preview', tabindex: '0', 'aria-label': title }, body);
    sections.push(h('h2', {}, title), form, preview);
  } else {
    sections.push(h('p', {}, t('templates.pick')));
  }
  fill(ctx.main, ...sections);
}
