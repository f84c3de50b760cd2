// How the user signs in: the password, passkeys, and the authenticator app (TOTP) with its
// recovery codes.
import { encodeQR } from './qr.js';
import { api } from './api.js';
import { fill, h } from './dom.js';
import { actionForm, fields, proofField, proofOf, section } from './forms.js';
import { t } from './i18n.js';
import { loadProviders } from './providers.js';
import { when } from './view.js';
import { creationOptions, passkeysSupported, registrationJSON } from './webauthn.js';

export async function securityPage(ctx) {
  ctx.setTitle(t('security.title'));
  const me = await ctx.refresh();
  const [passkeys, identities] = await Promise.all([loadPasskeys(), loadIdentities()]);
  fill(
    ctx.main,
    h('h1', {}, t('security.title')),
    section(t('password.title'), passwordForm()),
    passkeys ? section(t('passkeys.title'), ...passkeysPart(ctx, passkeys)) : null,
    identities.length ? section(t('identities.title'), identitiesPart(ctx, identities)) : null,
    section(t('totp.title'), ...(me.mfa_enabled ? totpOn(ctx) : totpOff(ctx))),
  );
}

function passwordForm() {
  return actionForm({
    intro: `${t('password.intro')} ${t('password.none')}`,
    submit: t('password.submit'),
    children: [
      fields.password('current_password', t('field.currentPassword')),
      fields.newPassword(),
    ],
    onSubmit: async (v, form) => {
      await api('PUT', '/password', {
        current_password: v.current_password ?? '',
        new_password: v.new_password ?? '',
      });
      form.reset();
      return t('password.changed');
    },
  });
}

/** The user's passkeys, or null when this server has no passkey routes. */
async function loadPasskeys() {
  try {
    return (await api('GET', '/me/passkeys')).passkeys;
  } catch (e) {
    if (e.status === 404) return null;
    throw e;
  }
}

/** An owner proof for a passkey change: the password when given (else a fresh session). */
const proof = (v) => (v.password ? { password: v.password } : {});

/** The linked identities, with the providers' display names. */
async function loadIdentities() {
  const [{ identities }, providers] = await Promise.all([
    api('GET', '/me/identities'),
    loadProviders(),
  ]);
  const names = new Map(providers.map((p) => [p.name, p.display_name || p.name]));
  return identities.map((i) => ({ ...i, display: names.get(i.provider) ?? i.provider }));
}

/** One item per identity; unlinking is refused (409, said as the API says it) for the last way in. */
function identitiesPart(ctx, identities) {
  return h(
    'ul',
    { class: 'items' },
    identities.map((i) => {
      const unlink = actionForm({
        submit: t('identities.unlink', { name: i.display }),
        danger: true,
        children: [],
        onSubmit: async () => {
          await api('DELETE', `/me/identities/${encodeURIComponent(i.id)}`);
          await ctx.rerender();
        },
      });
      return h(
        'li',
        {},
        h('strong', {}, i.display),
        i.email ? ` · ${i.email}` : '',
        h(
          'p',
          { class: 'hint' },
          t('identities.linked'),
          ' ',
          when(i.created_at),
          ' · ',
          t('passkeys.lastUsed'),
          ' ',
          when(i.last_used_at),
        ),
        unlink,
      );
    }),
  );
}

function passkeysPart(ctx, passkeys) {
  const list = passkeys.length
    ? h(
        'ul',
        { class: 'items' },
        passkeys.map((p) => h('li', {}, passkeyItem(ctx, p))),
      )
    : h('p', { class: 'empty' }, t('passkeys.none'));
  if (!passkeysSupported()) return [list, h('p', { class: 'hint' }, t('passkeys.unsupported'))];
  const add = actionForm({
    intro: `${t('passkeys.addIntro')} ${t('passkeys.noPassword')}`,
    submit: t('passkeys.add'),
    children: [
      fields.text(t('passkeys.name'), 'name', { autocomplete: 'off' }),
      fields.password('password', t('field.currentPassword')),
    ],
    onSubmit: async (v) => {
      const start = await api('POST', '/me/passkeys/options', proof(v));
      let credential;
      try {
        credential = await navigator.credentials.create({
          publicKey: creationOptions(start.options),
        });
      } catch {
        throw new Error(t('passkey.cancelled'));
      }
      await api('POST', '/me/passkeys', {
        challenge_id: start.challenge_id,
        response: registrationJSON(credential),
        ...(v.name ? { name: v.name } : {}),
      });
      await ctx.rerender();
    },
  });
  return [list, h('h3', {}, t('passkeys.addTitle')), add];
}

function passkeyItem(ctx, p) {
  const rename = actionForm({
    submit: t('passkeys.rename'),
    children: [fields.text(t('passkeys.newName'), 'name', { value: p.name ?? '', required: true })],
    onSubmit: async (v) => {
      await api('PATCH', `/me/passkeys/${encodeURIComponent(p.id)}`, { name: v.name ?? '' });
      await ctx.rerender();
    },
  });
  const remove = actionForm({
    submit: t('passkeys.remove'),
    danger: true,
    children: [fields.password('password', t('field.currentPassword'))],
    onSubmit: async (v) => {
      await api('DELETE', `/me/passkeys/${encodeURIComponent(p.id)}`, proof(v));
      await ctx.rerender();
    },
  });
  return [
    h('strong', {}, p.name || t('passkeys.unnamed')),
    h(
      'p',
      { class: 'hint' },
      t('passkeys.added'),
      ' ',
      when(p.created_at),
      ' · ',
      t('passkeys.lastUsed'),
      ' ',
      when(p.last_used_at),
      p.backed_up ? ` · ${t('passkeys.synced')}` : '',
    ),
    h(
      'details',
      {},
      h('summary', {}, t('passkeys.manage', { name: p.name || t('passkeys.unnamed') })),
      rename,
      remove,
    ),
  ];
}

/** The owner proof of the app's changes: the password, or the code of POST /mfa/email-code. */
const mfaProof = () => proofField({ codePath: '/mfa/email-code', codeName: 'email_code' });

/** Turning the app on: the password, then the QR code (and the secret), then a first code. */
function totpOff(ctx) {
  const step = h('div', {});
  const start = actionForm({
    intro: t('totp.offIntro'),
    submit: t('totp.start'),
    children: [mfaProof()],
    onSubmit: async (v) => {
      const enrolment = await api('POST', '/mfa/totp', proofOf(v, 'email_code'));
      fill(step, scanStep(ctx, enrolment));
      step.querySelector('input')?.focus();
    },
  });
  return [start, step];
}

function scanStep(ctx, enrolment) {
  const confirm = actionForm({
    submit: t('totp.confirm'),
    children: [fields.code(t('mfa.code'))],
    onSubmit: async (v) => {
      const { recovery_codes } = await api('POST', '/mfa/totp/confirm', { code: v.code ?? '' });
      fill(ctx.main, h('h1', {}, t('totp.onTitle')), recoveryCodesView(recovery_codes, ctx));
    },
  });
  return [
    h('p', {}, t('totp.scan')),
    qrCode(enrolment.otpauth_url, t('totp.qrLabel')),
    h(
      'p',
      { class: 'hint' },
      t('totp.manual'),
      ' ',
      h('code', { class: 'secret' }, enrolment.secret),
    ),
    confirm,
  ];
}

function totpOn(ctx) {
  const codes = actionForm({
    intro: t('totp.newCodesIntro'),
    submit: t('totp.newCodes'),
    children: [mfaProof(), fields.secondFactor(t('totp.codeOrRecovery'))],
    onSubmit: async (v) => {
      const { recovery_codes } = await api('POST', '/mfa/recovery-codes', {
        ...proofOf(v, 'email_code'),
        code: v.code ?? '',
      });
      fill(ctx.main, h('h1', {}, t('totp.newCodesTitle')), recoveryCodesView(recovery_codes, ctx));
    },
  });
  const off = actionForm({
    intro: t('totp.disableIntro'),
    submit: t('totp.disable'),
    danger: true,
    children: [mfaProof(), fields.secondFactor(t('totp.codeOrRecovery'))],
    onSubmit: async (v) => {
      await api('DELETE', '/mfa/totp', { ...proofOf(v, 'email_code'), code: v.code ?? '' });
      await ctx.rerender();
    },
  });
  return [h('p', {}, t('totp.isOn')), codes, off];
}

/** The recovery codes, shown this once, with a way to keep them. */
function recoveryCodesView(codes, ctx) {
  const text = `${codes.join('\n')}\n`;
  const file = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  return h(
    'div',
    {},
    h('p', { role: 'status', class: 'flash' }, t('totp.codesIntro')),
    h(
      'ul',
      { class: 'codes', 'aria-label': t('totp.codesLabel') },
      codes.map((c) => h('li', {}, h('code', {}, c))),
    ),
    h(
      'p',
      { class: 'actions' },
      h(
        'a',
        { href: file, download: 'recovery-codes.txt', class: 'button secondary' },
        t('totp.download'),
      ),
      ' ',
      h('button', { type: 'button', onclick: () => ctx.rerender() }, t('totp.saved')),
    ),
  );
}

const SVG = 'http://www.w3.org/2000/svg';

/** A QR code drawn here (an SVG path), from the matrix of the qr package: nothing leaves the page. */
function qrCode(text, label) {
  const matrix = encodeQR(text, 'raw', { ecc: 'medium' });
  const size = matrix.length + 8; // a quiet zone of 4 modules on each side
  let d = '';
  matrix.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) d += `M${x + 4} ${y + 4}h1v1h-1z`;
    }),
  );
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
  svg.setAttribute('width', String(size * 5));
  svg.setAttribute('height', String(size * 5));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('class', 'qr');
  const bg = document.createElementNS(SVG, 'rect');
  bg.setAttribute('width', String(size));
  bg.setAttribute('height', String(size));
  bg.setAttribute('fill', '#fff');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', d);
  path.setAttribute('fill', '#000');
  svg.append(bg, path);
  return svg;
}
