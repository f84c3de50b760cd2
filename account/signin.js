// Signing in: password, a code by mail, or a passkey (offered in the email field's autofill, and
// on a button for browsers without it); then the second factor when the API asks for one. Also
// signing up and a forgotten password, which end back here.
import { api } from './api.js';
import { fill, h, inputField, recoveryCodeField } from './dom.js';
import { actionForm, errorText, fields } from './forms.js';
import { lang, t } from './i18n.js';
import { exchangeProviderCode, providerButtons, providerErrorText } from './providers.js';
import {
  authenticationJSON,
  autofillAvailable,
  passkeysSupported,
  requestOptions,
} from './webauthn.js';

let env = null;
/** The passkey request of the autofill, ended whenever the screen changes. */
let autofill = null;

function stopAutofill() {
  autofill?.abort();
  autofill = null;
}

/** A screen of the sign-in: a heading, a message (alert or status), the content. */
function screen(titleKey, content, note) {
  stopAutofill();
  env.setTitle(t(titleKey));
  const message = note
    ? h(
        'p',
        { role: note.error ? 'alert' : 'status', class: note.error ? 'error' : 'flash' },
        note.text,
      )
    : null;
  fill(
    env.root,
    h(
      'main',
      { id: 'main', tabindex: '-1', class: 'narrow' },
      h('h1', {}, t(titleKey)),
      message,
      content,
    ),
  );
  env.root.querySelector('form input')?.focus();
}

function linkButton(label, onclick) {
  return h('button', { type: 'button', class: 'secondary', onclick }, label);
}

/** The way back to the first screen, with the address kept. */
function back(email, ...more) {
  return h(
    'div',
    { class: 'actions' },
    more,
    linkButton(t('back'), () => passwordScreen(undefined, email)),
  );
}

/** What every sign-in route answers: a session (the cookie is set), or the second step. */
async function signedIn(answer, email) {
  if (answer?.mfa_required) return secondStep(answer, email);
  stopAutofill();
  await env.onSignedIn();
}

export function showSignIn(options) {
  env = options;
  passwordScreen(options.message ? { text: options.message, error: false } : undefined);
}

/**
 * The browser is back from a provider (`{code}` or `{error}`, see providers.js): the code is
 * exchanged for a session (or the second step); an error is said on the sign-in.
 */
export async function finishProviderSignIn(options, back) {
  env = options;
  if (back.error) {
    passwordScreen({ text: providerErrorText(t, back.error), error: true });
    return;
  }
  screen('signin.title', h('p', { role: 'status' }, t('provider.finishing')));
  let answer;
  try {
    answer = await exchangeProviderCode(back.code, '/login/oauth/exchange');
  } catch (e) {
    passwordScreen({ text: errorText(e), error: true });
    return;
  }
  await signedIn(answer);
}

function passwordScreen(note, email = '') {
  const form = actionForm({
    submit: t('signin.submit'),
    children: [
      inputField(t('field.email'), 'email', {
        type: 'email',
        autocomplete: 'username webauthn',
        required: true,
        value: email,
      }),
      fields.password(),
    ],
    onSubmit: async (v) => {
      const answer = await api('POST', '/login', {
        email: v.email ?? '',
        password: v.password ?? '',
      });
      await signedIn(answer, v.email);
    },
  });
  const emailOf = () => String(new FormData(form).get('email') ?? '').trim();
  screen(
    'signin.title',
    [
      form,
      h(
        'div',
        { class: 'actions' },
        passkeysSupported() ? linkButton(t('signin.passkey'), () => passkeyButton(form)) : null,
        linkButton(t('signin.byCode'), () => codeScreen(emailOf())),
        linkButton(t('signin.forgot'), () => forgotScreen(emailOf())),
        linkButton(t('signin.signup'), () => signUpScreen(emailOf())),
      ),
      providerButtons(t),
    ],
    note,
  );
  void startAutofill(form);
}

/** The passkeys the browser holds, offered in the email field's autofill (conditional UI). */
async function startAutofill(form) {
  if (!(await autofillAvailable())) return;
  let start;
  try {
    start = await api('POST', '/login/passkey/options');
  } catch {
    return; // No passkeys on this server (or throttled): the other ways remain.
  }
  if (!form.isConnected) return;
  const controller = new AbortController();
  autofill = controller;
  let credential;
  try {
    credential = await navigator.credentials.get({
      publicKey: requestOptions(start.options),
      mediation: 'conditional',
      signal: controller.signal,
    });
  } catch {
    return; // Aborted (the screen changed) or dismissed.
  }
  if (autofill !== controller) return;
  await finishPasskey(start.challenge_id, credential, form);
}

/** The passkey button: the browser's own passkey dialog, for browsers without the autofill. */
async function passkeyButton(form) {
  stopAutofill();
  try {
    const start = await api('POST', '/login/passkey/options');
    const credential = await navigator.credentials.get({
      publicKey: requestOptions(start.options),
    });
    await finishPasskey(start.challenge_id, credential, form);
  } catch (e) {
    showFormError(form, e.name === 'NotAllowedError' ? t('passkey.cancelled') : errorText(e));
  }
}

async function finishPasskey(challengeId, credential, form) {
  try {
    const answer = await api('POST', '/login/passkey', {
      challenge_id: challengeId,
      response: authenticationJSON(credential),
    });
    await signedIn(answer);
  } catch (e) {
    showFormError(form, errorText(e));
    void startAutofill(form);
  }
}

function showFormError(form, text) {
  const error = form.querySelector('[role=alert]');
  if (!error) return;
  error.textContent = text;
  error.hidden = false;
}

function codeScreen(email) {
  const ask = actionForm({
    intro: t('code.intro'),
    submit: t('code.send'),
    children: [fields.email(t('field.email'), { value: email, autocomplete: 'username' })],
    onSubmit: async (v) => {
      await api('POST', '/login/code', { email: v.email ?? '' });
      codeEntryScreen(v.email);
    },
  });
  screen('code.title', [ask, back(email)]);
}

function codeEntryScreen(email) {
  const form = actionForm({
    intro: t('code.sent', { email }),
    submit: t('signin.submit'),
    children: [fields.code()],
    onSubmit: async (v) => {
      const answer = await api('POST', '/login/code/verify', { email, code: v.code ?? '' });
      await signedIn(answer, email);
    },
  });
  screen('code.title', [form, back(email)]);
}

/**
 * The second step: a code of the authenticator app, a recovery code, or a passkey, as `methods`
 * offers. The mfa_token lives only in this closure, until the step ends.
 */
function secondStep(step, email, method = 'totp') {
  const again = (m) => () => secondStep(step, email, m);
  const expired = (e) => {
    if (e.code === 'invalid_mfa_token')
      passwordScreen({ text: t('mfa.expired'), error: true }, email);
    else throw e;
  };
  let form;
  if (method === 'passkey') {
    form = actionForm({
      intro: t('mfa.passkeyIntro'),
      submit: t('mfa.usePasskeyNow'),
      children: [],
      onSubmit: async () => {
        const start = await api('POST', '/login/mfa/passkey/options', {
          mfa_token: step.mfa_token,
        }).catch(expired);
        if (!start) return;
        let credential;
        try {
          credential = await navigator.credentials.get({
            publicKey: requestOptions(start.options),
          });
        } catch {
          throw new Error(t('passkey.cancelled'));
        }
        const answer = await api('POST', '/login/mfa', {
          mfa_token: step.mfa_token,
          passkey: authenticationJSON(credential),
        }).catch(expired);
        if (answer) await signedIn(answer, email);
      },
    });
  } else {
    const recovery = method === 'recovery_code';
    form = actionForm({
      intro: t(recovery ? 'mfa.recoveryIntro' : 'mfa.intro'),
      submit: t('mfa.submit'),
      children: [recovery ? recoveryCodeField(t('mfa.recoveryCode')) : fields.code(t('mfa.code'))],
      onSubmit: async (v) => {
        const body = recovery
          ? { recovery_code: (v.recovery_code ?? '').trim() }
          : { code: (v.code ?? '').replace(/\s/g, '') };
        const answer = await api('POST', '/login/mfa', {
          mfa_token: step.mfa_token,
          ...body,
        }).catch(expired);
        if (answer) await signedIn(answer, email);
      },
    });
  }
  const others = (step.methods ?? ['totp', 'recovery_code'])
    .filter((m) => m !== method && (m !== 'passkey' || passkeysSupported()))
    .map((m) => linkButton(t(`mfa.use.${m}`), again(m)));
  screen('mfa.title', [form, back(email, others)]);
}

function signUpScreen(email) {
  const form = actionForm({
    intro: t('signup.intro'),
    submit: t('signup.submit'),
    children: [
      fields.email(t('field.email'), { value: email, autocomplete: 'username' }),
      fields.newPassword('password', t('field.password')),
      fields.text(t('field.name'), 'name', { autocomplete: 'given-name' }),
      fields.text(t('field.surname'), 'surname', { autocomplete: 'family-name' }),
    ],
    onSubmit: async (v) => {
      await api('POST', '/register', { ...v, locale: lang });
      confirmScreen(v.email);
    },
  });
  screen('signup.title', [form, back(email)]);
}

function confirmScreen(email) {
  const form = actionForm({
    intro: t('signup.sent', { email }),
    submit: t('signup.confirm'),
    children: [fields.code()],
    onSubmit: async (v) => {
      await api('POST', '/register/confirm', { email, code: v.code ?? '' });
      passwordScreen({ text: t('signup.confirmed') }, email);
    },
  });
  const resend = linkButton(t('signup.resend'), async () => {
    try {
      await api('POST', '/register/resend', { email });
      showFormError(form, t('signup.resent'));
    } catch (e) {
      showFormError(form, errorText(e));
    }
  });
  screen('signup.confirmTitle', [form, back(email, resend)]);
}

function forgotScreen(email) {
  const form = actionForm({
    intro: t('forgot.intro'),
    submit: t('forgot.send'),
    children: [fields.email(t('field.email'), { value: email, autocomplete: 'username' })],
    onSubmit: async (v) => {
      await api('POST', '/password/forgot', { email: v.email ?? '' });
      resetScreen(v.email);
    },
  });
  screen('forgot.title', [form, back(email)]);
}

function resetScreen(email) {
  const form = actionForm({
    intro: t('forgot.sent', { email }),
    submit: t('forgot.submit'),
    children: [fields.code(), fields.newPassword()],
    onSubmit: async (v) => {
      await api('POST', '/password/reset', {
        email,
        code: v.code ?? '',
        new_password: v.new_password ?? '',
      });
      passwordScreen({ text: t('forgot.done') }, email);
    },
  });
  screen('forgot.title', [form, back(email)]);
}
