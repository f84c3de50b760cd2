import { api, withQuery } from './api.js';
import { fill, formValues, h, inputField, selectField } from './dom.js';
import { hashOf, pager, table, userState, when } from './format.js';
import { t } from './i18n.js';
import { grantableRoles, mayBlock, mayManage } from './roles.js';

const SORTS = ['-created_at', 'created_at', 'email', '-email', '-last_login_at', 'last_login_at'];
const PER_PAGE = 20;

const yesNo = () => [
  ['', t('any')],
  ['true', t('yes')],
  ['false', t('no')],
];

/** The users page: the filters and sort of GET /users/list, one page at a time. */
export async function usersPage(ctx) {
  const p = ctx.params;
  ctx.setTitle(t('users.title'));
  const query = {
    search: p.search,
    role: p.role,
    is_active: p.is_active,
    is_confirmed: p.is_confirmed,
    sort: SORTS.includes(p.sort) ? p.sort : '-created_at',
    page: p.page ?? 1,
    per_page: PER_PAGE,
  };
  const data = await api('GET', withQuery('/users/list', query));
  const form = h(
    'form',
    { role: 'search', class: 'filters', 'aria-label': t('users.filters') },
    inputField(t('users.search'), 'search', { type: 'search', value: p.search ?? '' }),
    selectField(
      t('field.role'),
      'role',
      [['', t('any')], ...['user', 'admin', 'root'].map((r) => [r, t(`role.${r}`)])],
      p.role,
    ),
    selectField(t('users.active'), 'is_active', yesNo(), p.is_active),
    selectField(t('users.confirmed'), 'is_confirmed', yesNo(), p.is_confirmed),
    selectField(
      t('users.sort'),
      'sort',
      SORTS.map((s) => [s, t(`sort.${s}`)]),
      query.sort,
    ),
    h('button', { type: 'submit' }, t('apply')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go('users', formValues(form));
  });
  const { page: _page, per_page: _perPage, ...filters } = query;
  fill(
    ctx.main,
    h('h1', {}, t('users.title')),
    form,
    table(
      t('users.caption'),
      [
        [t('field.email'), (u) => h('a', { href: `#/users/${u.id}` }, u.email)],
        [t('field.name'), (u) => [u.name, u.surname].filter(Boolean).join(' ') || '—'],
        [t('field.role'), (u) => t(`role.${u.role}`)],
        [t('field.state'), (u) => userState(u)],
        [t('field.created'), (u) => when(u.created_at)],
        [t('field.lastLogin'), (u) => when(u.last_login_at)],
      ],
      data.users,
      t('users.none'),
    ),
    pager('users', filters, data, t('users.noun')),
  );
}

/** One user: profile, edit, block or unblock, second factor, sessions and recent history. */
export async function userPage(ctx, id) {
  const path = `/users/${encodeURIComponent(id)}`;
  const [user, mfa, sessions, history, passkeys, identities] = await Promise.all([
    api('GET', path),
    api('GET', `${path}/mfa`),
    api('GET', `${path}/sessions`),
    api('GET', withQuery('/users/actions', { users: id, per_page: 10 })),
    api('GET', `${path}/passkeys`),
    api('GET', `${path}/identities`),
  ]);
  ctx.setTitle(user.email);
  const error = h('p', { role: 'alert', class: 'error', hidden: true });
  /** A write of this page: on success the page is read again with a message, else the error. */
  const write = async (method, path, body, message) => {
    try {
      await api(method, path, body);
      ctx.setFlash(message);
      ctx.go(`users/${user.id}`);
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
    }
  };
  const manage = mayManage(ctx.me, user);

  const profile = h(
    'dl',
    { class: 'profile' },
    [
      ['ID', String(user.id)],
      [t('field.email'), user.email],
      [t('field.name'), user.name || '—'],
      [t('field.surname'), user.surname || '—'],
      [t('field.role'), t(`role.${user.role}`)],
      [t('field.state'), userState(user)],
      [t('field.confirmed'), user.is_confirmed ? t('yes') : t('no')],
      [t('field.mfa'), mfa.mfa_enabled ? t('user.mfaOn') : t('user.mfaOff')],
      [t('field.created'), when(user.created_at)],
      [t('field.lastLogin'), when(user.last_login_at)],
    ].map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );

  const sections = [h('h1', {}, user.email), error, profile];
  if (!manage) sections.push(h('p', { class: 'note' }, t('user.rootOnly')));
  if (manage) sections.push(editSection(ctx, user, write));
  if (mayBlock(ctx.me, user)) sections.push(blockSection(user, write));
  // DELETE /users/{id}/mfa has the role rules of updates; there is nothing to reset without one.
  if (manage && mfa.mfa_enabled) sections.push(mfaSection(user, write));

  sections.push(passkeysSection(user, passkeys.passkeys, manage, write));
  sections.push(
    h('h2', {}, t('user.identities')),
    table(
      t('user.identities'),
      [
        [t('field.provider'), (i) => i.provider],
        [t('field.email'), (i) => i.email ?? '—'],
        [t('field.created'), (i) => when(i.created_at)],
        [t('field.lastUsed'), (i) => when(i.last_used_at)],
      ],
      identities.identities,
      t('user.noIdentities'),
    ),
  );
  sections.push(
    h('h2', {}, t('user.sessions')),
    table(
      t('user.sessions'),
      [
        [t('field.created'), (s) => when(s.created_at)],
        [t('field.lastSeen'), (s) => when(s.last_seen_at)],
        [t('field.expires'), (s) => when(s.expires_at)],
        ['IP', (s) => s.ip ?? '—'],
        [t('field.userAgent'), (s) => s.user_agent ?? '—'],
      ],
      sessions.sessions,
      t('user.noSessions'),
    ),
    h('h2', {}, t('user.history')),
    historyTable(history.records, t('user.history')),
    h('p', {}, h('a', { href: hashOf('history', { users: user.id }) }, t('user.allHistory'))),
  );
  fill(ctx.main, ...sections);
}

function editSection(ctx, user, write) {
  const roles = grantableRoles(ctx.me);
  const form = h(
    'form',
    { class: 'stack' },
    inputField(t('field.email'), 'email', { type: 'email', value: user.email, required: true }),
    inputField(t('field.name'), 'name', { value: user.name ?? '' }),
    inputField(t('field.surname'), 'surname', { value: user.surname ?? '' }),
    roles.length > 1
      ? selectField(
          t('field.role'),
          'role',
          roles.map((r) => [r, t(`role.${r}`)]),
          user.role,
        )
      : null,
    h('button', { type: 'submit' }, t('save')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const changed = {};
    for (const k of ['email', 'name', 'surname', 'role']) {
      const v = data.get(k);
      if (v === null) continue;
      const value = String(v).trim();
      if (value !== (user[k] ?? '')) changed[k] = value;
    }
    if (Object.keys(changed).length)
      await write('PUT', `/users/${user.id}`, changed, t('user.saved'));
  });
  return section('edit-h', t('user.edit'), form);
}

function section(id, title, ...content) {
  return h('section', { 'aria-labelledby': id }, h('h2', { id }, title), ...content);
}

function blockSection(user, write) {
  const change = (body, message) =>
    write('PUT', '/users/status/change', { user_id: Number(user.id), ...body }, message);
  if (!user.is_active) {
    const button = h('button', { type: 'button' }, t('user.unblock'));
    button.addEventListener('click', () => change({ is_active: true }, t('user.unblocked')));
    return section('block-h', t('user.unblock'), button);
  }
  const form = h(
    'form',
    { class: 'stack' },
    inputField(t('user.reason'), 'reason', { maxlength: 500 }),
    inputField(t('user.until'), 'until', {
      type: 'datetime-local',
      'aria-describedby': 'until-hint',
    }),
    h('p', { id: 'until-hint', class: 'hint' }, t('user.untilHint')),
    h('button', { type: 'submit', class: 'danger' }, t('user.block')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const body = { is_active: false };
    if (v.reason) body.reason = v.reason;
    if (v.until) body.blocked_until = new Date(v.until).toISOString();
    void change(body, t('user.blocked'));
  });
  return section('block-h', t('user.block'), form);
}

function mfaSection(user, write) {
  const button = h('button', { type: 'button', class: 'danger' }, t('user.mfaReset'));
  button.addEventListener('click', () =>
    write('DELETE', `/users/${user.id}/mfa`, undefined, t('user.mfaWasReset')),
  );
  return section(
    'mfa-h',
    t('user.mfa'),
    h('div', { class: 'stack' }, h('p', { class: 'hint' }, t('user.mfaResetIntro')), button),
  );
}

/** The user's passkeys; removing one has the role rules of updates (and mails the user). */
function passkeysSection(user, passkeys, manage, write) {
  const columns = [
    [t('field.name'), (p) => p.name],
    [t('field.created'), (p) => when(p.created_at)],
    [t('field.lastUsed'), (p) => when(p.last_used_at)],
    [t('user.passkeySynced'), (p) => (p.backed_up ? t('yes') : t('no'))],
  ];
  if (manage) {
    columns.push([
      t('user.passkeyActions'),
      (p) => {
        const button = h(
          'button',
          {
            type: 'button',
            class: 'danger',
            'aria-label': t('user.passkeyRemoveNamed', { name: p.name }),
          },
          t('user.passkeyRemove'),
        );
        button.addEventListener('click', () =>
          write(
            'DELETE',
            `/users/${user.id}/passkeys/${encodeURIComponent(p.id)}`,
            undefined,
            t('user.passkeyRemoved', { name: p.name }),
          ),
        );
        return button;
      },
    ]);
  }
  return section(
    'passkeys-h',
    t('user.passkeys'),
    table(t('user.passkeys'), columns, passkeys, t('user.noPasskeys')),
  );
}

/** Audit records as a table (the user page and the history page). */
export function historyTable(records, caption) {
  const person = (id, email) =>
    id ? h('a', { href: `#/users/${id}` }, email ?? String(id)) : (email ?? '—');
  return table(
    caption,
    [
      [t('field.at'), (r) => when(r.at)],
      [t('history.action'), (r) => r.action],
      [t('history.outcome'), (r) => r.outcome],
      [t('history.actor'), (r) => person(r.actor_id, r.actor_email)],
      [t('history.target'), (r) => person(r.target_id, r.target_email)],
      ['IP', (r) => r.ip ?? '—'],
    ],
    records,
    t('history.none'),
  );
}

/** Invite a user: POST /users/add without a password, so the mail lets them choose one. */
export async function invitePage(ctx) {
  ctx.setTitle(t('invite.title'));
  const roles = grantableRoles(ctx.me);
  const error = h('p', { role: 'alert', class: 'error', hidden: true });
  const form = h(
    'form',
    { class: 'stack' },
    inputField(t('field.email'), 'email', { type: 'email', required: true, autocomplete: 'off' }),
    inputField(t('field.name'), 'name'),
    inputField(t('field.surname'), 'surname'),
    roles.length > 1
      ? selectField(
          t('field.role'),
          'role',
          roles.map((r) => [r, t(`role.${r}`)]),
          'user',
        )
      : null,
    selectField(
      t('field.locale'),
      'locale',
      [
        ['en', 'English'],
        ['ru', 'Русский'],
      ],
      document.documentElement.lang,
    ),
    error,
    h('button', { type: 'submit' }, t('invite.submit')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const user = await api('POST', '/users/add', formValues(form));
      ctx.setFlash(t('invite.sent', { email: user.email }));
      ctx.go(`users/${user.id}`);
    } catch (e) {
      error.textContent = e.code === 'user_exists' ? t('invite.exists') : e.message;
      error.hidden = false;
    }
  });
  fill(ctx.main, h('h1', {}, t('invite.title')), h('p', {}, t('invite.intro')), form);
}
