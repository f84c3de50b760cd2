// The account page's forms: labelled fields, one submit, the API's answer said in place (an error
// as an alert, a success as a status), the button disabled while the request runs.
import { api } from './api.js';
import { codeField, fill, formValues, h, inputField, recoveryCodeField } from './dom.js';
import { t } from './i18n.js';

/** The page's words for an API error code it knows, else the API's own message. */
export function errorText(e) {
  const key = `err.${e.code}`;
  const text = t(key);
  return text === key ? e.message : text;
}

/** Field presets: the autocomplete and input hints a password manager and a phone expect. */
export const fields = {
  email: (label = t('field.email'), extra = {}) =>
    inputField(label, 'email', { type: 'email', autocomplete: 'email', required: true, ...extra }),
  password: (name = 'password', label = t('field.password')) =>
    inputField(label, name, { type: 'password', autocomplete: 'current-password', required: true }),
  newPassword: (name = 'new_password', label = t('field.newPassword')) =>
    inputField(label, name, {
      type: 'password',
      autocomplete: 'new-password',
      required: true,
      minlength: 8,
    }),
  code: (label = t('field.code'), name = 'code') => codeField(label, name),
  /** A code of the authenticator app or a recovery code (longer, with letters). */
  secondFactor: (label, name = 'code') => recoveryCodeField(label, name),
  text: (label, name, extra = {}) => inputField(label, name, { maxlength: 100, ...extra }),
};

/**
 * A form that calls `onSubmit(values, form)`; what it returns (a string) is shown as a status,
 * what it throws as an alert. `values` leaves empty fields out.
 */
export function actionForm({ id, intro, children, submit, danger, onSubmit }) {
  const error = h('p', { role: 'alert', class: 'error', hidden: true });
  const done = h('p', { role: 'status', class: 'flash', hidden: true });
  const button = h('button', { type: 'submit', class: danger ? 'danger' : undefined }, submit);
  const form = h(
    'form',
    { id, class: 'stack', novalidate: true },
    intro ? h('p', { class: 'hint' }, intro) : null,
    children,
    error,
    done,
    button,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    done.hidden = true;
    button.disabled = true;
    try {
      const message = await onSubmit(formValues(form), form);
      if (typeof message === 'string') {
        done.textContent = message;
        done.hidden = false;
      }
    } catch (e) {
      if (e.sessionLost) return;
      error.textContent = errorText(e);
      error.hidden = false;
      form.querySelector('input')?.focus();
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** A titled part of a page. */
let sections = 0;
export function section(title, ...children) {
  const id = `section-${++sections}`;
  return h(
    'section',
    { 'aria-labelledby': id, class: 'card' },
    h('h2', { id }, title),
    ...children,
  );
}

/**
 * The owner proof of a sensitive form: the current password, or, for an account without one (made
 * by a provider sign-in, or kept with passkeys only), a code the API mails to the address
 * (`codePath`), sent as `codeName`. GET /me does not say whether there is a password: the mailing
 * route does, answering password_required when there is one.
 */
export function proofField({ codePath, codeName = 'code', label = t('field.password') }) {
  const box = h('div', { class: 'stack' });
  const error = h('p', { role: 'alert', class: 'error', hidden: true });
  const ask = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: async () => {
        error.hidden = true;
        ask.disabled = true;
        try {
          await api('POST', codePath);
          fill(
            box,
            h('p', { role: 'status', class: 'flash' }, t('proof.codeSent')),
            fields.code(t('field.code'), codeName),
          );
          box.querySelector('input')?.focus();
        } catch (e) {
          if (e.sessionLost) return;
          error.textContent = errorText(e);
          error.hidden = false;
        } finally {
          ask.disabled = false;
        }
      },
    },
    t('proof.noPassword'),
  );
  fill(box, fields.password('password', label), ask, error);
  return box;
}

/** The proof a form's values give (see proofField): the mailed code when asked for, else the password. */
export function proofOf(v, codeName = 'code') {
  return v[codeName] !== undefined && v.password === undefined
    ? { [codeName]: v[codeName] }
    : { password: v.password ?? '' };
}
