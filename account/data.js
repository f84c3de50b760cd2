// The user's data: a copy of everything held (GET /me/export), and deleting the account.
import { api } from './api.js';
import { fill, h, inputField } from './dom.js';
import { actionForm, proofField, proofOf, section } from './forms.js';
import { t } from './i18n.js';

export function dataPage(ctx) {
  ctx.setTitle(t('data.title'));
  const remove = actionForm({
    intro: t('delete.intro'),
    submit: t('delete.submit'),
    danger: true,
    children: [
      proofField({ codePath: '/me/delete-code' }),
      inputField(t('delete.sure'), 'sure', { type: 'checkbox', value: 'yes', required: true }),
    ],
    onSubmit: async (v) => {
      if (v.sure !== 'yes') throw new Error(t('delete.tick'));
      await api('DELETE', '/me', proofOf(v));
      ctx.signedOut(t('delete.done'));
    },
  });
  fill(
    ctx.main,
    h('h1', {}, t('data.title')),
    section(
      t('export.title'),
      h('p', { class: 'hint' }, t('export.intro')),
      // A plain download: a GET with the cookie needs no CSRF header.
      h('a', { href: '/me/export', download: '', class: 'button' }, t('export.submit')),
    ),
    section(t('delete.title'), remove),
  );
}
