// A tiny element builder: h('a', { href: '#/users', onclick }, 'Users'). Children are nodes or
// strings (always text, never HTML), so no value from the API can inject markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled') el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Field ids are unique in the page: two forms on one page may both have a `password`. */
let fieldIds = 0;
const fieldId = (name) => `f-${name}-${++fieldIds}`;

/** A <select> with a label; options are [value, text] pairs. */
export function selectField(label, name, options, value) {
  const id = fieldId(name);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h(
      'select',
      { id, name },
      options.map(([v, text]) => h('option', { value: v, selected: v === (value ?? '') }, text)),
    ),
  );
}

/** An <input> with a label. */
export function inputField(label, name, attrs = {}) {
  const id = fieldId(name);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, name, ...attrs }),
  );
}

/** The values of a form's named fields, empty ones left out. */
export function formValues(form) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) {
    if (typeof v === 'string' && v.trim() !== '') out[k] = v.trim();
  }
  return out;
}

/** A 6-digit code field (a mailed code, the authenticator app's), as phones and password managers expect it. */
export function codeField(label, name = 'code') {
  return inputField(label, name, {
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    pattern: '[0-9]{6}',
    maxlength: 6,
    required: true,
  });
}

/** A recovery code field (letters and dashes; a 6-digit code of the app fits too). */
export function recoveryCodeField(label, name = 'recovery_code') {
  return inputField(label, name, {
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
    maxlength: 64,
    required: true,
  });
}
