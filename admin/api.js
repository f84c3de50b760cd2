// Every call of the console goes to the server's own API with the console cookie (HttpOnly: the
// page never sees the token) and the CSRF header that the AuthGuard asks of cookie writes.

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
/** Called when an answer says the session is gone (401), so the app shows the sign-in. */
export function whenSignedOut(fn) {
  onSignedOut = fn;
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json', 'X-CSRF-Protection': '1' };
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
    if (res.status === 401 && path !== '/admin/session') onSignedOut();
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
