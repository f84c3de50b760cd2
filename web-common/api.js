// Every call of the server's own pages goes to its API with the page's session cookie (HttpOnly:
// the page never keeps a token) and the CSRF header that the AuthGuard asks of cookie writes.

export class ApiError extends Error {
  constructor(status, body) {
    super(
      typeof body?.message === 'string' ? body.message : [].concat(body?.message ?? '').join('; '),
    );
    this.status = status;
    this.code = body?.code ?? 'error';
  }
}

let onSignedOut = () => {};
let signInPaths = [];
/**
 * Called when an answer says the session is gone (401), so the page shows its sign-in. The 401s
 * of the paths that start with one of `signInPrefixes` (a wrong password, a wrong code) are
 * answers, not a lost session.
 */
export function whenSignedOut(fn, signInPrefixes = []) {
  onSignedOut = fn;
  signInPaths = signInPrefixes;
}

/** Extra headers for every call (the account page asks the sign-in routes for its cookie). */
const extraHeaders = {};
export function alwaysSend(headers) {
  Object.assign(extraHeaders, headers);
}

export async function api(method, path, body) {
  const headers = { ...extraHeaders, Accept: 'application/json', 'X-CSRF-Protection': '1' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await res.json() : await res.text();
  if (!res.ok) {
    const err = new ApiError(res.status, typeof data === 'object' ? data : { message: data });
    if (res.status === 401 && !signInPaths.some((p) => path.startsWith(p))) {
      err.sessionLost = true;
      onSignedOut();
    }
    throw err;
  }
  return data;
}

/** `path?query` with the empty values left out. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
