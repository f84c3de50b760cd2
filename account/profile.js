// Profile (name, surname, the language of the mails) and the change of the sign-in address.
import { api } from './api.js';
import { fill, h, selectField } from './dom.js';
import { actionForm, fields, proofField, proofOf, section } from './forms.js';
import { t } from './i18n.js';

/** The languages the server writes mails in (PUT /me accepts these). */
const LOCALES = [
  ['en', 'English'],
  ['ru', 'Русский'],
];

export async function profilePage(ctx) {
  ctx.setTitle(t('profile.title'));
  const me = await ctx.refresh();
  const profile = actionForm({
    submit: t('save'),
    children: [
      fields.text(t('field.name'), 'name', { value: me.name ?? '', autocomplete: 'given-name' }),
      fields.text(t('field.surname'), 'surname', {
        value: me.surname ?? '',
        autocomplete: 'family-name',
      }),
      selectField(t('profile.locale'), 'locale', LOCALES, me.locale ?? 'en'),
    ],
    onSubmit: async (_, form) => {
      // Every field is sent, so a name can be emptied too.
      const data = new FormData(form);
      const body = Object.fromEntries(
        ['name', 'surname', 'locale'].map((k) => [k, String(data.get(k) ?? '').trim()]),
      );
      await api('PUT', '/me', body);
      return t('saved');
    },
  });

  const confirmArea = h('div', {});
  const email = actionForm({
    intro: t('email.intro'),
    submit: t('email.submit'),
    children: [
      fields.email(t('email.new'), { autocomplete: 'off' }),
      proofField({ codePath: '/me/email-code', label: t('field.currentPassword') }),
    ],
    onSubmit: async (v, form) => {
      await api('PUT', '/me/email', { email: v.email ?? '', ...proofOf(v) });
      form.reset();
      fill(confirmArea, confirmForm(ctx, v.email));
      confirmArea.querySelector('input')?.focus();
    },
  });

  fill(
    ctx.main,
    h('h1', {}, t('profile.title')),
    h(
      'dl',
      { class: 'profile' },
      h('dt', {}, t('field.email')),
      h('dd', {}, me.email),
      h('dt', {}, t('field.created')),
      h('dd', {}, new Date(me.created_at).toISOString().slice(0, 10)),
    ),
    section(t('profile.details'), profile),
    section(t('email.title'), email, confirmArea),
  );
}

function confirmForm(ctx, address) {
  return actionForm({
    intro: t('email.sent', { email: address }),
    submit: t('email.confirm'),
    children: [fields.code()],
    onSubmit: async (v) => {
      await api('POST', '/me/email/confirm', { code: v.code ?? '' });
      await ctx.restart();
    },
  });
}
