import fc from 'fast-check';
import type { Response } from 'supertest';
import { bearer, createUser, loginToken } from './support/factories';
import { startApp, TestApp } from './support/test-app';
import { freePort } from './support/free-port';

/**
 * Hostile input on every route of the OpenAPI document, so routes added later are covered without
 * editing this file: malformed variants of each body field, query parameter and path parameter,
 * sent anonymously, as a user and as an admin. The seed is fixed, so a failure replays.
 */
const SEED = 20261201;
/** Variants per route and identity: enough to meet each kind of mutation, and under a minute. */
const RUNS = 14;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** Routes whose answer is a stream that stays open: one request would never end. */
const STREAMS = /\/events\//;

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  example?: unknown;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  responses?: Record<string, { content?: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
}
interface OpenApi {
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
  components?: { schemas?: Record<string, Schema> };
}

/** What a request may be made of: one mutation of an otherwise plausible request. */
type Mutation =
  | { kind: 'field'; field: string; value: unknown }
  | { kind: 'extra'; key: string; value: unknown }
  | { kind: 'raw'; body: string; contentType: string }
  | { kind: 'query'; raw: string }
  | { kind: 'path'; raw: string };

const anyChar = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const oddString = fc.oneof(
  fc.string({ unit: anyChar, maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\0',
    'a\0b',
    '\r\nX-Injected: 1',
    '\ud800',
    'x\udfffy',
    '"a\r\nbcc: x@y"@example.com',
    "' OR 1=1 --",
    '{"$gt": ""}',
    '../../../../etc/passwd',
    '%00',
    '9'.repeat(40),
    '-1',
    '1e309',
    'NaN',
    '2024-01-01T10:00:00+19:00',
    '-271821-04-20T00:00:00Z',
    '275760-09-13T00:00:00Z',
    '__proto__',
  ),
  fc.integer({ min: 1000, max: 30_000 }).map((n) => 'x'.repeat(n)),
);
const deep = (n: number): unknown => (n === 0 ? 'x' : [deep(n - 1)]);
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  oddString,
  fc.constantFrom(
    null,
    true,
    false,
    0,
    -1,
    1.5,
    2 ** 53 + 2,
    1e308,
    -1e308,
    [],
    {},
    [null],
    { a: 1 },
    deep(20),
  ),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.array(oddString, { maxLength: 3 }),
  fc.dictionary(oddString, oddString, { maxKeys: 2 }),
  fc.integer({ min: 1000, max: 5_000 }).map((n) => Array.from({ length: n }, () => 1)),
);
/** Path and query values as they travel: already percent-encoded, some of them invalid. */
const oddRaw = fc.oneof(
  oddString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))),
  fc.constantFrom(
    '0',
    '-1',
    '1.5',
    '99999999999999999999',
    '%00',
    '%ED%A0%80',
    '%E0%A4%A',
    '%',
    '%2e%2e%2f%2e%2e',
    '__proto__',
    'constructor',
    'null',
    '%20',
    'a'.repeat(3000),
  ),
);
const oddKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'role', 'is_confirmed', 'id', ''),
  fc.string({ unit: anyChar, maxLength: 12 }),
);
const rawBody = fc.record({
  body: fc.oneof(
    fc.constantFrom(
      '',
      'null',
      '[]',
      '"x"',
      '1',
      '{',
      '{"a":',
      '[' + '['.repeat(40) + ']'.repeat(41),
    ),
    fc.constantFrom('{"__proto__": {"role": "root"}}', '{"constructor": {"prototype": {}}}'),
    fc.string({ unit: anyChar, maxLength: 50 }),
  ),
  contentType: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-16',
    'application/json; charset=utf-7',
    'application/x-www-form-urlencoded',
    'text/plain',
    'application/xml',
    'multipart/form-data; boundary=x',
  ),
});

function mutations(fields: string[], query: string[], hasPath: boolean): fc.Arbitrary<Mutation> {
  const options: fc.Arbitrary<Mutation>[] = [
    fc.record({ kind: fc.constant('extra' as const), key: oddKey, value: oddValue }),
    rawBody.map((r) => ({ kind: 'raw' as const, ...r })),
  ];
  if (fields.length) {
    const field = fc.record({
      kind: fc.constant('field' as const),
      field: fc.constantFrom(...fields),
      value: oddValue,
    });
    options.push(field, field);
  }
  if (query.length) {
    const q = fc
      .tuple(fc.constantFrom(...query, '__proto__', 'unknown'), oddRaw, fc.boolean())
      .map(([name, value, twice]) => ({
        kind: 'query' as const,
        raw: twice ? `${name}=${value}&${name}=${value}` : `${name}=${value}`,
      }));
    options.push(q, q);
  }
  if (hasPath) options.push(oddRaw.map((raw) => ({ kind: 'path' as const, raw })));
  return fc.oneof(...options);
}

function resolve(doc: OpenApi, s: Schema | undefined): Schema | undefined {
  if (!s) return undefined;
  if (s.$ref) return resolve(doc, doc.components?.schemas?.[s.$ref.split('/').pop()!]);
  if (s.allOf) {
    const parts = s.allOf.map((p) => resolve(doc, p) ?? {});
    return { type: 'object', properties: Object.assign({}, ...parts.map((p) => p.properties)) };
  }
  return s;
}

/** A plausible value for a field, so that the one mutated field is what the server sees first. */
function plausible(s: Schema | undefined): unknown {
  if (!s) return 'x';
  if (s.example !== undefined) return s.example;
  if (s.enum?.length) return s.enum[0];
  switch (s.type) {
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [plausible(s.items)];
    case 'object':
      return {};
  }
  if (s.format === 'date-time') return '2030-01-01T00:00:00Z';
  return 'plausible value 123';
}

interface Route {
  method: (typeof METHODS)[number];
  path: string;
  fields: Record<string, Schema>;
  query: Parameter[];
  pathParams: string[];
  /** The document says the route answers HTML pages (a link's page), errors included. */
  html: boolean;
}

function routesOf(doc: OpenApi): Route[] {
  const routes: Route[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (STREAMS.test(path)) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const content = op.requestBody?.content ?? {};
      const bodySchema = resolve(
        doc,
        (content['application/json'] ?? Object.values(content)[0])?.schema,
      );
      const params = op.parameters ?? [];
      routes.push({
        method,
        path,
        fields: bodySchema?.properties ?? {},
        query: params.filter((p) => p.in === 'query'),
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        html: Object.values(op.responses ?? {}).some((r) => 'text/html' in (r.content ?? {})),
      });
    }
  }
  return routes;
}

/** Anything that tells an attacker about the server's insides. */
const INTERNALS =
  /\bat [\w.<>]+ \(|\.(ts|js):\d+|node_modules|\/work\/|\/src\/|QueryFailedError|TypeORM|\bSELECT\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b|duplicate key|violates|syntax error at|PGlite|stack/i;

describe('fuzzing every route of the OpenAPI document', () => {
  let t: TestApp;
  const tokens: Record<'user' | 'admin', string> = { user: '', admin: '' };
  let userId = '';

  /** A (new) user and admin with live sessions: a fuzzed request may log one out or block it. */
  async function ensureIdentities(): Promise<void> {
    for (const role of ['user', 'admin'] as const) {
      if (tokens[role]) {
        const check = await t.http.get('/validate_token').set(bearer(tokens[role]));
        if (check.status === 200) continue;
      }
      const u = await createUser(t, { role: role === 'admin' ? 'root' : 'user' });
      tokens[role] = await loginToken(t, u.email);
      if (role === 'user') userId = u.id;
    }
  }

  beforeAll(async () => {
    // A configured provider, so the provider sign-in routes run their checks. Its issuer is a
    // closed port: an unreachable provider must still answer a redirect, not a 5xx.
    t = await startApp({
      OAUTH_PROVIDERS: 'corp',
      OAUTH_CORP_CLIENT_ID: 'fuzz',
      OAUTH_CORP_CLIENT_SECRET: 'fuzz-secret',
      OAUTH_CORP_ISSUER: `http://127.0.0.1:${await freePort()}`,
    });
    await ensureIdentities();
  });
  afterAll(() => t.destroy());

  it('answers no 5xx, the error shape on every 4xx, and no internals, then stays healthy', async () => {
    const docRes = await t.http.get('/docs-json');
    expect(docRes.status).toBe(200);
    const doc = docRes.body as OpenApi;
    const routes = routesOf(doc);
    expect(routes.length).toBeGreaterThan(20);

    const failures: string[] = [];
    let sent = 0;
    for (const [r, route] of routes.entries()) {
      const fieldNames = Object.keys(route.fields);
      const queryNames = route.query.map((p) => p.name);
      const variants = fc.sample(mutations(fieldNames, queryNames, route.pathParams.length > 0), {
        seed: SEED + r,
        numRuns: RUNS,
      });
      for (const [v, mutation] of variants.entries()) {
        const identity = (['anonymous', 'user', 'admin'] as const)[v % 3];
        const res = await send(route, mutation, identity);
        sent++;
        const problem = judge(res, route.html);
        if (problem) {
          failures.push(
            `${route.method.toUpperCase()} ${route.path} as ${identity} with ${summary(mutation)}: ${problem}`,
          );
        }
        if (identity !== 'anonymous' && route.method !== 'get' && res.status < 300) {
          await ensureIdentities();
        }
      }
    }
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(routes.length * RUNS - 1);

    const health = await t.http.get('/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', database: 'up' });
    await ensureIdentities();
    const check = await t.http.get('/validate_token').set(bearer(tokens.user));
    expect(check.status).toBe(200);
    // About 15 s on an idle machine; the bound is for a shared one under load, not a timing check.
  }, 300_000);

  function send(
    route: Route,
    m: Mutation,
    identity: 'anonymous' | 'user' | 'admin',
  ): Promise<Response> {
    let path = route.path;
    for (const name of route.pathParams) {
      path = path.replace(`{${name}}`, m.kind === 'path' ? m.raw : userId);
    }
    const url = m.kind === 'query' ? `${path}?${m.raw}` : path;
    let req = t.http[route.method](url);
    if (identity !== 'anonymous') req = req.set(bearer(tokens[identity]));
    if (route.method === 'get' || route.method === 'delete') {
      if (m.kind !== 'raw' && m.kind !== 'extra') return req.ok(() => true);
    }
    if (m.kind === 'raw') {
      return req
        .set('Content-Type', m.contentType)
        .send(m.body)
        .ok(() => true);
    }
    const body: Record<string, unknown> = {};
    for (const [name, schema] of Object.entries(route.fields)) body[name] = plausible(schema);
    let json: string;
    if (m.kind === 'field') body[m.field] = m.value;
    if (m.kind === 'extra') {
      // Written by hand, so that `__proto__` travels as an own key, as an attacker would send it.
      const rest = JSON.stringify(body).slice(1, -1);
      json = `{${JSON.stringify(m.key)}:${JSON.stringify(m.value) ?? 'null'}${rest ? `,${rest}` : ''}}`;
    } else {
      json = JSON.stringify(body);
    }
    return req
      .set('Content-Type', 'application/json')
      .send(json)
      .ok(() => true);
  }
});

function judge(res: Response, html: boolean): string | undefined {
  if (res.status >= 500) return `${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
  const text = res.text ?? '';
  if (INTERNALS.test(text)) return `internals in the body: ${text.slice(0, 300)}`;
  if (res.status >= 400 && !(html && /^text\/html/.test(res.headers['content-type'] ?? ''))) {
    const b = res.body as Record<string, unknown>;
    const shaped =
      b &&
      b.statusCode === res.status &&
      typeof b.error === 'string' &&
      typeof b.code === 'string' &&
      (typeof b.message === 'string' || Array.isArray(b.message));
    if (!shaped) return `${res.status} without the error shape: ${text.slice(0, 200)}`;
  }
  return undefined;
}

function summary(m: Mutation): string {
  const s = JSON.stringify(m) ?? m.kind;
  return s.length > 160 ? `${s.slice(0, 160)}…` : s;
}
