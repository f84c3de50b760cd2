import { api, withQuery } from './api.js';
import { fill, formValues, h, inputField, selectField } from './dom.js';
import { hashOf, pager, table, when } from './format.js';
import { t } from './i18n.js';

const STATUSES = ['pending', 'delivered', 'failed'];
const PER_PAGE = 25;

/** The secret, shown once after creation or rotation: copy it now. */
function secretNotice(secret) {
  return h(
    'div',
    { class: 'flash', role: 'status' },
    h('p', {}, t('webhooks.secretOnce')),
    h('pre', { tabindex: '0', 'aria-label': t('webhooks.secret') }, secret),
  );
}

/** Webhook endpoints: the list, and for a root the form that adds one. */
export async function webhooksPage(ctx) {
  ctx.setTitle(t('webhooks.title'));
  const { webhooks } = await api('GET', '/webhooks');
  const sections = [
    h('h1', {}, t('webhooks.title')),
    table(
      t('webhooks.caption'),
      [
        [t('webhooks.url'), (w) => h('a', { href: hashOf(`webhooks/${w.id}`) }, w.url)],
        [t('webhooks.events'), (w) => w.events.join(', ')],
        [t('webhooks.description'), (w) => w.description || '—'],
        [
          t('webhooks.state'),
          (w) =>
            w.enabled
              ? h('span', { class: 'badge sent' }, t('webhooks.enabled'))
              : h(
                  'span',
                  { class: 'badge failed' },
                  t(`webhooks.disabled.${w.disabled_reason ?? 'disabled'}`),
                ),
        ],
        [t('field.created'), (w) => when(w.created_at)],
      ],
      webhooks,
      t('webhooks.none'),
    ),
  ];
  if (ctx.me.role === 'root') {
    const error = h('p', { role: 'alert', class: 'error', hidden: true });
    const form = h(
      'form',
      { class: 'stack', 'aria-label': t('webhooks.add') },
      h('h2', {}, t('webhooks.add')),
      inputField(t('webhooks.url'), 'url', { type: 'url', required: true }),
      inputField(t('webhooks.events'), 'events', {
        value: '*',
        required: true,
        'aria-describedby': 'events-help',
      }),
      h('p', { id: 'events-help', class: 'help' }, t('webhooks.eventsHelp')),
      inputField(t('webhooks.description'), 'description', { maxlength: '500' }),
      error,
      h('button', { type: 'submit' }, t('webhooks.add')),
    );
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      try {
        const created = await api('POST', '/webhooks', {
          url: v.url,
          events: String(v.events)
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          ...(v.description ? { description: v.description } : {}),
        });
        // The address follows (without a new route, which would not have the secret to show).
        history.pushState(null, '', hashOf(`webhooks/${created.id}`));
        await webhookPage(ctx, created.id, created.secret);
      } catch (e) {
        error.textContent = e.message;
        error.hidden = false;
      }
    });
    sections.push(form);
  }
  fill(ctx.main, ...sections);
}

/** One endpoint: its delivery log, and for a root test, retry, rotate, enable and delete. */
export async function webhookPage(ctx, id, newSecret) {
  const p = ctx.params;
  const w = await api('GET', `/webhooks/${encodeURIComponent(id)}`);
  ctx.setTitle(w.url);
  const status = STATUSES.includes(p.status) ? p.status : undefined;
  const data = await api(
    'GET',
    withQuery(`/webhooks/${encodeURIComponent(id)}/deliveries`, {
      status,
      page: p.page ?? 1,
      per_page: PER_PAGE,
    }),
  );
  const error = h('p', { role: 'alert', class: 'error', hidden: true });
  const isRoot = ctx.me.role === 'root';
  const act = (label, run) =>
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: async () => {
          try {
            await run();
          } catch (e) {
            error.textContent = e.message;
            error.hidden = false;
          }
        },
      },
      label,
    );
  const path = `/webhooks/${encodeURIComponent(id)}`;
  const actions = isRoot
    ? h(
        'div',
        { class: 'actions' },
        act(t('webhooks.test'), async () => {
          await api('POST', `${path}/test`);
          ctx.setFlash(t('webhooks.tested'));
          ctx.go(`webhooks/${id}`);
        }),
        act(w.enabled ? t('webhooks.disable') : t('webhooks.enable'), async () => {
          await api('PATCH', path, { enabled: !w.enabled });
          ctx.go(`webhooks/${id}`);
        }),
        act(t('webhooks.rotate'), async () => {
          if (!window.confirm(t('webhooks.rotateConfirm'))) return;
          const { secret } = await api('POST', `${path}/rotate-secret`);
          await webhookPage(ctx, id, secret);
        }),
        act(t('webhooks.delete'), async () => {
          if (!window.confirm(t('webhooks.deleteConfirm', { url: w.url }))) return;
          await api('DELETE', path);
          ctx.setFlash(t('webhooks.deleted', { url: w.url }));
          ctx.go('webhooks');
        }),
      )
    : null;
  const retry = (d) => {
    if (!isRoot || d.status === 'delivered') return '';
    return act(t('webhooks.retry'), async () => {
      await api('POST', `${path}/deliveries/${encodeURIComponent(d.id)}/retry`);
      ctx.setFlash(t('webhooks.retried'));
      ctx.go(`webhooks/${id}`, { status, page: p.page });
    });
  };
  const filter = h(
    'form',
    { role: 'search', class: 'filters', 'aria-label': t('webhooks.filters') },
    selectField(
      t('outbox.status'),
      'status',
      [['', t('any')], ...STATUSES.map((s) => [s, t(`webhooks.status.${s}`)])],
      status,
    ),
    h('button', { type: 'submit' }, t('apply')),
  );
  filter.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go(`webhooks/${id}`, formValues(filter));
  });
  fill(
    ctx.main,
    h('h1', {}, w.url),
    newSecret ? secretNotice(newSecret) : null,
    h(
      'p',
      {},
      `${t('webhooks.events')}: ${w.events.join(', ')} · ` +
        (w.enabled
          ? t('webhooks.enabled')
          : t(`webhooks.disabled.${w.disabled_reason ?? 'disabled'}`)),
    ),
    actions,
    error,
    h('h2', {}, t('webhooks.deliveries')),
    filter,
    table(
      t('webhooks.deliveriesCaption'),
      [
        [t('webhooks.eventType'), (d) => d.event_type],
        [
          t('outbox.status'),
          (d) => h('span', { class: `badge ${d.status}` }, t(`webhooks.status.${d.status}`)),
        ],
        [t('outbox.attempts'), (d) => String(d.attempts)],
        [t('webhooks.lastStatus'), (d) => (d.last_status === null ? '—' : String(d.last_status))],
        [t('outbox.lastError'), (d) => d.last_error ?? '—'],
        [t('webhooks.nextAttempt'), (d) => when(d.next_attempt_at)],
        [t('field.created'), (d) => when(d.created_at)],
        [t('webhooks.deliveredAt'), (d) => when(d.delivered_at)],
        [t('outbox.action'), retry],
      ],
      data.deliveries,
      t('webhooks.noDeliveries'),
    ),
    pager(`webhooks/${id}`, { status }, data, t('webhooks.noun')),
  );
}
